/**
 * A logger for the worker's tests that keeps what it logs: the same shape as
 * createLogger's (pino, JSON lines), read back as objects.
 */
import { Writable } from "node:stream";

import pino from "pino";

import type { Logger } from "~/worker/logger";

export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

export function createTestLog(level = "info") {
  const lines: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n")) if (line) lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  const logger: Logger = pino({ level, base: { service: "worker" } }, sink);
  return {
    logger,
    lines,
    /** The lines with this message. */
    withMessage: (msg: string) => lines.filter((line) => line.msg === msg),
  };
}
