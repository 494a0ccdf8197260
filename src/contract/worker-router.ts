/**
 * The worker's API as the web tier and the browser see it: a type only, so
 * changing a procedure is a compile error wherever they call it, and no
 * worker code is bundled with them (a type-only export is erased). The one
 * import of the worker that this folder may make.
 */
export type { WorkerRouter } from "../worker/router";
