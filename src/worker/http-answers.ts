/**
 * Answers of the worker's plain HTTP routes (uploads, downloads): errors in
 * the same words and codes as its tRPC calls, `{ error: { code, message,
 * reason } }`, so one client-side reader explains both.
 */
import type { ServerResponse } from "node:http";

import { TRPCError, type TRPC_ERROR_CODE_KEY } from "@trpc/server";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";

import type { HttpErrorBody } from "~/contract/http-error-body";

import { closeAfterAnswer } from "./lingering-close";
import { sendJson } from "./trpc-http";
import { TokenRejected } from "./verify";

/**
 * Sends `error` as JSON with its HTTP status. `close`: the request's body was
 * not read to its end, so the connection cannot carry another request.
 */
export function sendError(
  res: ServerResponse,
  error: TRPCError,
  { close = false, reason }: { close?: boolean; reason?: string } = {},
): void {
  if (close) closeAfterAnswer(res);
  const tokenReason = error.cause instanceof TokenRejected ? error.cause.reason : null;
  const body: HttpErrorBody<TRPC_ERROR_CODE_KEY> = {
    error: { code: error.code, message: error.message, reason: reason ?? tokenReason },
  };
  sendJson(res, getHTTPStatusCodeFromError(error), body);
}

/** A refusal with a machine-readable reason beside the sentence. */
export class Refusal extends TRPCError {
  constructor(
    code: TRPC_ERROR_CODE_KEY,
    message: string,
    readonly reason: string,
  ) {
    super({ code, message });
  }
}
