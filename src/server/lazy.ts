/**
 * A module-level singleton that is built on first use instead of at import.
 * `next build` imports every route module to read its config; building the
 * Prisma client or Better Auth at import would make the build demand runtime
 * secrets (and a Docker build have them). The running server builds each one
 * on first use, after src/instrumentation.ts has validated the env: db at
 * start, when it checks the signing keys (src/server/signing-key-check.ts),
 * and auth then too when there is a key to check, else on its first request.
 */
export function lazy<T extends object>(create: () => T): T {
  let instance: T | undefined;
  const target = () => (instance ??= create());
  return new Proxy({} as T, {
    get(_, property) {
      const real = target();
      const value: unknown = Reflect.get(real, property, real);
      // Methods must run against the real object (private fields, `this`).
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(real) : value;
    },
    has: (_, property) => Reflect.has(target(), property),
  });
}
