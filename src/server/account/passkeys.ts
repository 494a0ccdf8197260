import { passkey, PASSKEY_ERROR_CODES } from "@better-auth/passkey";
import type { BetterAuthPlugin } from "better-auth";
import { APIError, createAuthMiddleware, getSessionFromCtx, isAPIError } from "better-auth/api";

import { MAX_PASSKEY_NAME_LENGTH } from "~/contract/user-fields";

/**
 * Better Auth's passkey plugin, bound to the app's URL (BETTER_AUTH_URL):
 * credentials are made for its host name and only its origin may use them.
 * Left to itself the plugin takes the origin a browser must have signed from
 * the request's Origin header, i.e. from the caller.
 */
export function passkeys({ baseURL, appName }: { baseURL: string; appName: string }) {
  const url = new URL(baseURL);
  return passkey({
    rpID: url.hostname,
    rpName: appName,
    origin: url.origin,
    // Discoverable credentials only: sign-in asks for no address first, so
    // the authenticator must know the account itself.
    authenticatorSelection: { residentKey: "required", userVerification: "preferred" },
  });
}

/** Passkey paths that take a credential's answer, and the fields its `response` must hold. */
const ANSWERS: Readonly<Record<string, readonly string[]>> = {
  "/passkey/verify-registration": ["clientDataJSON", "attestationObject"],
  "/passkey/verify-authentication": ["clientDataJSON", "authenticatorData", "signature"],
};

/** Paths that act on one passkey the caller names by id. */
const OWN_PASSKEY_PATHS = ["/passkey/delete-passkey", "/passkey/update-passkey"];

/** WebAuthn caps a credential id at 1023 bytes: 1364 characters of base64url. */
const MAX_CREDENTIAL_ID_LENGTH = 1400;

/**
 * What the passkey plugin leaves unchecked, answered in words before it
 * runs: a credential's answer that is not one (the plugin looks its id up
 * as sent, and a number there was a 500), a name over its limit, a passkey
 * id that is not the caller's (one answer for "someone else's" and "none",
 * so ids of other accounts cannot be probed), and a registration that fails
 * verification (the plugin answers that with a 500; it is the caller's
 * answer that is wrong). Registration options name the credential after the
 * account, not after the passkey's label, so the browser's passkey list
 * shows the address.
 */
export function passkeyInputChecks() {
  return {
    id: "passkey-input-checks",
    hooks: {
      before: [
        {
          matcher: (ctx) => ctx.path !== undefined && Object.hasOwn(ANSWERS, ctx.path),
          handler: createAuthMiddleware(async (ctx) => {
            const body = ctx.body as { response?: unknown; name?: unknown } | undefined;
            if (!isCredentialAnswer(body?.response, ANSWERS[ctx.path]!)) {
              throw APIError.from("BAD_REQUEST", {
                code: "INVALID_PASSKEY_RESPONSE",
                message: "That is not a passkey's answer: try again with your passkey.",
              });
            }
            assertNameLimit(body?.name);
          }),
        },
        {
          matcher: (ctx) => ctx.path === "/passkey/generate-register-options",
          handler: createAuthMiddleware(async (ctx) => {
            // The plugin takes ?name as the credential's user name, else the
            // account's address; the label goes with verify-registration.
            if (ctx.query?.name !== undefined) return { context: { query: { ...ctx.query, name: "" } } };
          }),
        },
        {
          matcher: (ctx) => ctx.path !== undefined && OWN_PASSKEY_PATHS.includes(ctx.path),
          handler: createAuthMiddleware(async (ctx) => {
            const body = ctx.body as { id?: unknown; name?: unknown } | undefined;
            assertNameLimit(body?.name);
            // The plugin's schema answers a missing or malformed id, its session check a missing session.
            if (typeof body?.id !== "string") return;
            const session = await getSessionFromCtx(ctx);
            if (!session) return;
            const own = await ctx.context.adapter.findOne<{ id: string }>({
              model: "passkey",
              where: [
                { field: "id", value: body.id },
                { field: "userId", value: session.user.id },
              ],
            });
            if (!own) throw APIError.from("NOT_FOUND", PASSKEY_ERROR_CODES.PASSKEY_NOT_FOUND);
          }),
        },
      ],
      after: [
        {
          matcher: (ctx) => ctx.path === "/passkey/verify-registration" && ctx.request !== undefined,
          handler: createAuthMiddleware(async (ctx) => {
            const returned = ctx.context.returned;
            if (!isAPIError(returned) || returned.statusCode !== 500) return;
            // A Response: an error thrown here would keep the endpoint's status.
            const body = {
              code: PASSKEY_ERROR_CODES.FAILED_TO_VERIFY_REGISTRATION.code,
              message: "This passkey could not be verified: try adding it again.",
            };
            return Response.json(body, { status: 400 });
          }),
        },
      ],
    },
  } satisfies BetterAuthPlugin;
}

function assertNameLimit(name: unknown): void {
  if (typeof name === "string" && name.trim().length > MAX_PASSKEY_NAME_LENGTH) {
    throw APIError.from("BAD_REQUEST", {
      code: "PASSKEY_NAME_TOO_LONG",
      message: `Passkey name too long: use at most ${String(MAX_PASSKEY_NAME_LENGTH)} characters.`,
    });
  }
}

/** A PublicKeyCredential as JSON (SimpleWebAuthn's shape) whose `response` has `fields` as strings. */
function isCredentialAnswer(value: unknown, fields: readonly string[]): boolean {
  if (!isRecord(value) || !isRecord(value.response)) return false;
  const { id, rawId, type, response } = value;
  const transports = response.transports;
  return (
    typeof id === "string" &&
    id.length > 0 &&
    id.length <= MAX_CREDENTIAL_ID_LENGTH &&
    typeof rawId === "string" &&
    type === "public-key" &&
    fields.every((field) => typeof response[field] === "string") &&
    (transports === undefined || (Array.isArray(transports) && transports.every((t) => typeof t === "string")))
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
