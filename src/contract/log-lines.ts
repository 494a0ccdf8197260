/**
 * The shape of both processes' log lines, given to pino by each (the web
 * tier's src/server/logger.ts, the worker's src/worker/logger.ts): JSON lines
 * on stdout, the same fields in both, so one request id can be followed
 * across both processes' logs. Credentials are censored wherever they appear
 * as a field; code never logs a token value.
 */
export function logLineOptions(service: "web" | "worker", level: string) {
  return {
    level,
    base: { service },
    redact: {
      paths: [
        "token",
        "*.token",
        "*.password",
        "authorization",
        "*.authorization",
        "*.cookie",
        "headers.authorization",
        "headers.cookie",
      ],
      censor: "[redacted]",
    },
  };
}
