/**
 * The web tier's tRPC transformer: superjson, with its input side guarded.
 * Every call's input arrives as `{ json, meta }` from the browser, and
 * superjson trusts both: a deeply nested value overflows the stack of
 * whatever walks it recursively next (superjson's meta traversal, or
 * JSON.stringify in the worker client), and malformed `meta` makes it throw
 * any kind of error. Both are the caller's fault, so both end here as a
 * BAD_REQUEST with a message a person can read.
 */
import { TRPCError, type CombinedDataTransformer } from "@trpc/server";
import superjson from "superjson";

/** Deepest nesting accepted in one call's input (json and meta alike); this app's inputs are a few levels deep. */
export const MAX_INPUT_DEPTH = 32;

export const transformer: CombinedDataTransformer = {
  input: {
    serialize: (value: unknown) => superjson.serialize(value),
    deserialize(raw: unknown) {
      if (nestedDeeperThan(raw, MAX_INPUT_DEPTH)) {
        throw new TRPCError({
          code: "BAD_REQUEST",
          message: `The input is nested too deeply (more than ${MAX_INPUT_DEPTH} levels).`,
        });
      }
      try {
        const decoded: unknown = superjson.deserialize(raw as Parameters<typeof superjson.deserialize>[0]);
        return decoded;
      } catch (cause) {
        throw new TRPCError({
          code: "BAD_REQUEST",
          message: "The input could not be decoded: its superjson metadata is malformed.",
          cause,
        });
      }
    },
  },
  output: superjson,
};

/** Whether `value` has objects or arrays nested deeper than `limit`; iterative, so no depth can overflow it. */
export function nestedDeeperThan(value: unknown, limit: number): boolean {
  const pending: [unknown, number][] = [[value, 0]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [node, depth] = next;
    if (node === null || typeof node !== "object") continue;
    if (depth >= limit) return true;
    for (const child of Object.values(node)) pending.push([child, depth + 1]);
  }
  return false;
}
