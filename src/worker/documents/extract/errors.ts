export type ExtractionFailureCode =
  | "damaged"
  | "password_protected"
  | "no_text_layer"
  | "no_text"
  | "too_large"
  | "not_word_document"
  | "invalid_encoding"
  | "too_many_chunks"
  // Reading it took more than a thread's memory or time (../extract-pool.ts).
  | "exceeds_memory"
  | "exceeds_time";

/**
 * The document itself cannot be read: retrying cannot help, so the job stops
 * and `reason` is shown to the person who uploaded it.
 */
export class ExtractionFailed extends Error {
  override readonly name = "ExtractionFailed";
  readonly permanent = true;

  constructor(
    readonly code: ExtractionFailureCode,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(reason, options);
  }
}
