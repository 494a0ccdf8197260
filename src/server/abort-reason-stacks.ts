/**
 * React's server renderer (react-server-dom, inside Next.js) ends every
 * render by aborting its cacheController with a new Error whose `.stack`
 * nothing reads. Until it is read, V8 keeps that stack as frames, each
 * holding its function and its receiver; here one receiver is the Immediate
 * the render finished in, whose async-context store is another render,
 * whose controller holds another such Error… so under load each page kept
 * the pages before it alive: the web tier's live heap grew by tens of KB per
 * page and never came back (react/react#37288, vercel/next.js#84648). Reading
 * `.stack` once turns the frames into a string and lets them go.
 *
 * Installed once per process by src/instrumentation.ts, before any render.
 * Remove it when the React that Next.js bundles creates that Error without
 * a captured stack (react/react#37289).
 */
const INSTALLED = Symbol.for("typed-worker-stack.abort-reason-stacks");

export function releaseAbortReasonFrames(): void {
  const proto = AbortController.prototype as AbortController & { [INSTALLED]?: true };
  if (proto[INSTALLED]) return;
  // Called below with .call(this): the controller it runs on is the one aborted.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const abort = proto.abort;
  proto.abort = function (this: AbortController, reason?: unknown) {
    try {
      abort.call(this, reason);
    } finally {
      // The reason as the signal holds it: the Error passed in, or the
      // DOMException Node makes when none was.
      const held: unknown = this.signal.reason;
      // Reading `stack` formats it now, which lets go of the frames it held; the text is not needed.
      // eslint-disable-next-line @typescript-eslint/no-meaningless-void-operator
      if (held instanceof Error) void held.stack;
    }
  };
  proto[INSTALLED] = true;
}
