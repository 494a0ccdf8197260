import { TRPCError } from "@trpc/server";
import superjson from "superjson";
import { describe, expect, it } from "vitest";

import { MAX_INPUT_DEPTH, nestedDeeperThan, transformer } from "./transformer";

const nested = (levels: number): unknown => JSON.parse("[".repeat(levels) + "]".repeat(levels));
// tRPC types a transformer's output as any.
const decode = (raw: unknown): unknown => transformer.input.deserialize(raw);

describe("the web tier's input transformer", () => {
  it("decodes what the browser's superjson encodes", () => {
    const input = { at: new Date("2026-12-01T12:00:00Z"), tags: new Set(["a"]), text: "hi" };
    expect(decode(superjson.serialize(input))).toEqual(input);
  });

  it(`takes ${MAX_INPUT_DEPTH} levels of nesting (the payload's own included), refuses one more with a BAD_REQUEST`, () => {
    expect(() => decode({ json: nested(MAX_INPUT_DEPTH - 1) })).not.toThrow();
    expect(() => decode({ json: nested(MAX_INPUT_DEPTH) })).toThrow(
      expect.objectContaining({
        code: "BAD_REQUEST",
        message: `The input is nested too deeply (more than ${MAX_INPUT_DEPTH} levels).`,
      }),
    );
  });

  it("checks meta's depth too: superjson walks it recursively", () => {
    expect(() => decode({ json: {}, meta: { values: nested(200) } })).toThrow(/nested too deeply/);
  });

  it.each([
    ["a BigInt that is no number", { json: { n: "x" }, meta: { values: { n: ["bigint"] } } }],
    ["an unknown class", { json: { n: {} }, meta: { values: { n: ["class", "Nope"] } } }],
    ["annotations that are a string (superjson recursed until the stack ran out)", { json: {}, meta: { values: "x" } }],
    ["referential equalities that are no object", { json: {}, meta: { referentialEqualities: ["x"] } }],
    ["no payload at all", null],
  ])("turns malformed superjson (%s) into a BAD_REQUEST", (_, payload) => {
    let thrown: unknown;
    try {
      transformer.input.deserialize(payload);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(TRPCError);
    expect(thrown).toMatchObject({
      code: "BAD_REQUEST",
      message: "The input could not be decoded: its superjson metadata is malformed.",
    });
  });
});

describe("nestedDeeperThan", () => {
  it("walks a million levels without overflowing the stack", () => {
    let deep: unknown = "x";
    for (let i = 0; i < 1_000_000; i++) deep = [deep];
    expect(nestedDeeperThan(deep, 32)).toBe(true);
  });

  it("counts objects and arrays alike, not scalars", () => {
    expect(nestedDeeperThan({ a: [{ b: 1 }] }, 3)).toBe(false);
    expect(nestedDeeperThan({ a: [{ b: {} }] }, 3)).toBe(true);
    expect(nestedDeeperThan("a string", 0)).toBe(false);
  });
});
