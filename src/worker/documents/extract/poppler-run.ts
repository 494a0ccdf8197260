import { spawn } from "node:child_process";

/**
 * One run of a poppler program (pdftotext, pdftoppm, pdfinfo, pdfimages): its
 * stdout, or undefined when it failed, crashed, or passed a limit (killed
 * then). A process of its own, so a file that crashes or hangs it costs that
 * process, not the worker.
 */
export function runPoppler(
  program: string,
  args: readonly string[],
  limits: {
    /** Longest run before it is killed. */
    timeoutMs: number;
    /** Most it may write before it is killed. */
    maxOutputBytes: number;
    /** Written to its stdin (the PDF, when args name "-" as the file). */
    input?: Uint8Array;
  },
): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const child = spawn(program, args, {
      stdio: [limits.input ? "pipe" : "ignore", "pipe", "ignore"],
      timeout: Math.max(1, Math.ceil(limits.timeoutMs)),
    });
    const chunks: Buffer[] = [];
    let length = 0;
    let failed = false;
    const fail = () => {
      failed = true;
      child.kill("SIGKILL");
    };
    child.once("error", fail);
    child.stdout!.on("data", (chunk: Buffer) => {
      length += chunk.length;
      if (length > limits.maxOutputBytes) fail();
      else chunks.push(chunk);
    });
    child.once("close", (code, signal) => {
      resolve(failed || code !== 0 || signal !== null ? undefined : Buffer.concat(chunks));
    });
    if (limits.input) {
      // EPIPE when it stops reading (a damaged file): the exit code says so.
      child.stdin?.on("error", () => undefined);
      child.stdin?.end(limits.input);
    }
  });
}

const installed = new Map<string, Promise<boolean>>();

/** Whether a poppler program runs here: asked once per process (`-v` exits 99, so only a failed spawn says no). */
export function hasPoppler(program: string): Promise<boolean> {
  let found = installed.get(program);
  if (!found) {
    found = new Promise((resolve) => {
      const child = spawn(program, ["-v"], { stdio: "ignore" });
      child.once("error", () => resolve(false));
      child.once("close", () => resolve(true));
    });
    installed.set(program, found);
  }
  return found;
}
