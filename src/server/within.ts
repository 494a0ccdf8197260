/**
 * `promise`, or a rejection once `ms` pass without it settling: for waits on
 * something that may never answer (a database that accepts and stays silent).
 * The timer is cleared either way, so nothing keeps the process alive.
 */
export function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
