import { env } from "~/env";

/**
 * Where the browser reaches the worker: what the dashboard hands its direct
 * client, and the origin the page's CSP lets it connect to. Read at request
 * time rather than inlined into the client bundle at build time, so one image
 * serves any deployment; it often differs from the server's WORKER_URL (a
 * compose service name the browser cannot resolve).
 */
export function browserWorkerUrl(): string {
  return env().NEXT_PUBLIC_WORKER_URL ?? env().WORKER_URL;
}
