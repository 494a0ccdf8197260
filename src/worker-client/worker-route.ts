/** `path` on the worker, whatever trailing slashes its configured URL has. */
export function workerRoute(workerUrl: string, path: string): string {
  return `${workerUrl.replace(/\/+$/, "")}${path}`;
}
