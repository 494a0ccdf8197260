/**
 * The input of the worker's textStats, in the contract so that both tiers
 * validate with the very same rules: the worker checks every call (browsers
 * call it directly), and the web tier checks `worker.*` calls before it
 * forwards them, so malformed input never reaches its worker client.
 */
import { z } from "zod";

export const MAX_DOCUMENT_CHARACTERS = 100_000;

export const textStatsInput = z.object({
  text: z
    .string()
    .min(1, { error: "Paste some text to analyse." })
    .max(MAX_DOCUMENT_CHARACTERS, {
      error: `Documents are limited to ${MAX_DOCUMENT_CHARACTERS.toLocaleString("en")} characters.`,
    }),
  topTerms: z.number().int().min(1).max(50).default(10),
});
