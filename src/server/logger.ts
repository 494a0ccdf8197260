import pino from "pino";

// JSON lines on stdout in every environment: the same format the worker writes,
// so one request id can be followed across both processes' logs.
export const logger = pino({
  level: process.env.LOG_LEVEL ?? "info",
  base: { service: "web" },
  redact: {
    paths: ["*.password", "*.token", "*.authorization", "*.cookie", "headers.authorization", "headers.cookie"],
    censor: "[redacted]",
  },
});
