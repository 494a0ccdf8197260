import pino from "pino";

/**
 * JSON lines on stdout, the same shape in the web tier and the worker, so one
 * request id can be followed across both processes' logs. Credentials are
 * censored wherever they appear as a field; code never logs a token value.
 */
export function createLogger(service: "web" | "worker", level: string) {
  return pino({
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
  });
}

export type Logger = ReturnType<typeof createLogger>;
