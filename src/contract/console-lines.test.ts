import { spawnSync } from "node:child_process";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { format } from "node:util";

import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";

import { consoleRecord, routeConsoleTo } from "./console-lines";

const original = { ...console };
afterEach(() => Object.assign(console, original));

function capture() {
  let output = "";
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      output += chunk.toString();
      done();
    },
  });
  return {
    logger: pino({ level: "debug" }, stream),
    records: () =>
      output
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

describe("routeConsoleTo", () => {
  it("makes each console call one JSON record, a newline in a client's value included", () => {
    const { logger, records } = capture();
    routeConsoleTo(logger, format);
    const forged = 'abc"\n{"level":60,"msg":"forged"}';
    console.error(`Failed to find Server Action ${forged}`);
    console.log("%s users, %d in flight", "two", 3, { extra: true });

    expect(records()).toEqual([
      expect.objectContaining({ level: 50, msg: `Failed to find Server Action ${forged}` }),
      expect.objectContaining({ level: 30, msg: "two users, 3 in flight { extra: true }" }),
    ]);
  });

  it("keeps console's severities: warn as warn, debug as debug, trace through error", () => {
    const { logger, records } = capture();
    routeConsoleTo(logger, format);
    console.warn("careful");
    console.debug("detail");
    console.info("note");
    console.trace("here");

    expect(records().map((record) => [record.level, String(record.msg).split("\n")[0]])).toEqual([
      [40, "careful"],
      [20, "detail"],
      [30, "note"],
      [50, "Trace: here"],
    ]);
  });

  it("routes Node's own warnings (they print through console.error), in a process of their own", () => {
    // Vitest's workers handle warnings their own way: a plain Node process shows what production does.
    const script = `
      import { format } from "node:util";
      import pino from "pino";
      import { routeConsoleTo } from ${JSON.stringify(fileURLToPath(new URL("./console-lines.ts", import.meta.url)))};
      routeConsoleTo(pino(), format);
      process.emitWarning("a deprecated thing");
    `;
    const child = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      encoding: "utf8",
    });

    expect(child.stderr).toBe("");
    const lines = child.stdout.split("\n").filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: 50,
      msg: expect.stringContaining("Warning: a deprecated thing"),
    });
  });
});

describe("consoleRecord", () => {
  it("puts an Error in `err` (its stack a field, not lines of its own) and the rest in the message", () => {
    const error = new Error("boom");
    expect(consoleRecord(["# SERVER_ERROR: ", error], format)).toEqual([{ err: error }, "# SERVER_ERROR:"]);
    expect(consoleRecord([error], format)).toEqual([{ err: error }, "boom"]);
  });
});
