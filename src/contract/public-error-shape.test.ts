import { TRPCError } from "@trpc/server";
import { describe, expect, it } from "vitest";
import { z } from "zod";

import { publicErrorShape } from "./public-error-shape";

const shapeOf = (error: TRPCError) =>
  publicErrorShape({
    shape: { message: error.message, code: -32603, data: { code: error.code, httpStatus: 500 } },
    error,
  });

describe("publicErrorShape", () => {
  it("hides an unexpected error's own message", () => {
    const error = new TRPCError({
      code: "INTERNAL_SERVER_ERROR",
      message: "connect ECONNREFUSED db.internal:5432 at /app/server.js:1:2",
    });
    expect(shapeOf(error)).toMatchObject({
      message: "Internal server error",
      data: { code: "INTERNAL_SERVER_ERROR", zodError: null },
    });
    expect(JSON.stringify(shapeOf(error))).not.toContain("db.internal");
  });

  it("keeps a message meant for the caller, and a validation error's fields", () => {
    const refused = new TRPCError({ code: "UNAUTHORIZED", message: "Sign in to continue." });
    expect(shapeOf(refused).message).toBe("Sign in to continue.");
    const invalid = z.object({ text: z.string().min(1, { error: "Paste some text." }) }).safeParse({ text: "" }).error!;
    const bad = new TRPCError({ code: "BAD_REQUEST", message: "invalid", cause: invalid });
    expect(shapeOf(bad).data.zodError).toEqual({ formErrors: [], fieldErrors: { text: ["Paste some text."] } });
  });
});
