import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

import { expect, test } from "vitest";

import { releaseAbortReasonFrames } from "./abort-reason-stacks";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/**
 * What a React render does as it completes: abort a controller with an Error
 * made in a frame whose receiver is the render's working set, then keep
 * only the signal. Says whether that working set outlived a full collection.
 */
async function workingSetOutlivesRender(): Promise<boolean> {
  const { signal, workingSet } = (() => {
    const render = { payload: new Array<number>(100_000).fill(1) };
    const controller = new AbortController();
    (function complete(this: typeof render) {
      controller.abort(new Error("This render completed successfully."));
    }).call(render);
    return { signal: controller.signal, workingSet: new WeakRef(render) };
  })();
  // Out of the frame that made it, as the retained renders were.
  await new Promise((resolve) => setTimeout(resolve, 0));
  gc();
  gc();
  expect(signal.aborted).toBe(true);
  return workingSet.deref() !== undefined;
}

test("an abort reason's unread stack pins its frames' receivers, until releaseAbortReasonFrames reads it", async () => {
  // The control: if this V8 ever stops keeping unread frames, the workaround can go.
  expect(await workingSetOutlivesRender()).toBe(true);

  releaseAbortReasonFrames();
  expect(await workingSetOutlivesRender()).toBe(false);
});

test("installing twice wraps abort once; a bare abort() still gets Node's DOMException, a given reason stays as given", () => {
  releaseAbortReasonFrames();
  const wrapped = AbortController.prototype.abort;
  releaseAbortReasonFrames();
  expect(AbortController.prototype.abort).toBe(wrapped);

  const bare = new AbortController();
  bare.abort();
  expect(bare.signal.reason).toBeInstanceOf(DOMException);
  const reason = new Error("given");
  const given = new AbortController();
  given.abort(reason);
  expect(given.signal.reason).toBe(reason);
});
