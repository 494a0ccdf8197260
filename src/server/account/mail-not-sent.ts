import { APIError } from "better-auth/api";

/** The answer when a mail the request depends on could not be sent: in words, a 503, never a 500. */
export function mailNotSentError(message: string): APIError {
  return new APIError("SERVICE_UNAVAILABLE", { code: "MAIL_NOT_SENT", message });
}
