import { ZodError, z } from "zod";

/**
 * The error shape both tiers answer with, minus what a caller must not see.
 * An unexpected error's own message can name files, hosts or queries: the
 * caller gets the code and a generic message, the log (onError) gets the
 * message. Validation errors keep their field-by-field detail (zodError).
 * With `isDev: false` in both tiers' initTRPC, no stack trace is added.
 */
export function publicErrorShape<Shape extends { message: string; data: object }>({
  shape,
  error,
}: {
  shape: Shape;
  error: CallError;
}) {
  return {
    ...shape,
    message: error.code === "INTERNAL_SERVER_ERROR" ? "Internal server error" : shape.message,
    data: {
      ...shape.data,
      zodError: error.cause instanceof ZodError ? z.flattenError(error.cause) : null,
    },
  };
}

/** What of a TRPCError this reads (its structural shape: this folder imports no tRPC). */
interface CallError {
  code: string;
  cause?: unknown;
}
