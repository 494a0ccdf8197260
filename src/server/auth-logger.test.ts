import { Writable } from "node:stream";

import pino from "pino";
import { describe, expect, it } from "vitest";

import { betterAuthLogger } from "./auth-logger";

function capture() {
  let output = "";
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      output += chunk.toString();
      done();
    },
  });
  return { logger: pino({ level: "debug" }, stream), lines: () => output.split("\n").filter(Boolean) };
}

describe("betterAuthLogger", () => {
  it("makes each call one JSON line, newlines in the message included", () => {
    const { logger, lines } = capture();
    const forged = 'x\n{"level":50,"msg":"forged"}';
    betterAuthLogger(logger).log?.("error", `Failed to create user: ${forged}`);

    expect(lines()).toHaveLength(1);
    expect(JSON.parse(lines()[0]!)).toMatchObject({
      level: 50,
      component: "better-auth",
      msg: `Failed to create user: ${forged}`,
    });
  });

  it("logs a refused client value as a warning, the value in a field of its own", () => {
    const { logger, lines } = capture();
    const forged = 'http://evil.test/\n{"level":50,"msg":"forged"}';
    const auth = betterAuthLogger(logger);
    auth.log?.("error", `Invalid callbackURL: ${forged}`);
    auth.log?.("error", "Invalid origin: http://evil.test");

    expect(lines().map((line) => JSON.parse(line) as unknown)).toEqual([
      expect.objectContaining({ level: 40, component: "better-auth", msg: "Invalid callbackURL", value: forged }),
      expect.objectContaining({ level: 40, msg: "Invalid origin", value: "http://evil.test" }),
    ]);
  });

  it("keeps an error as pino's err and other arguments as details, at Better Auth's level", () => {
    const { logger, lines } = capture();
    betterAuthLogger(logger).log?.("warn", "Failed to create user", new Error("boom"), { provider: "x" });

    expect(JSON.parse(lines()[0]!)).toMatchObject({
      level: 40,
      msg: "Failed to create user",
      err: { type: "Error", message: "boom" },
      details: [{ provider: "x" }],
    });
  });
});
