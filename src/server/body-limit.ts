/**
 * A cap on a request body that holds without buffering it first. A declared
 * Content-Length over the cap is refused before anything is read; a body
 * sent without one (chunked) is cut off as soon as it passes the cap. Node's
 * HTTP parser never delivers more than a declared length, so a request that
 * declares one within the cap is passed through untouched (no per-chunk cost).
 */

/** Whether `request` says up front that its body is larger than `maxBytes`. */
export function declaresMoreThan(request: Request, maxBytes: number): boolean {
  const declared = Number(request.headers.get("content-length") ?? 0);
  return !Number.isFinite(declared) || declared > maxBytes;
}

/**
 * `request`, whose body, if it has one of undeclared length, fails with
 * `tooLarge()` when read past `maxBytes`; reading stops there.
 */
export function capUndeclaredBody(request: Request, maxBytes: number, tooLarge: () => Error): Request {
  if (!request.body || request.headers.has("content-length")) return request;
  let seen = 0;
  const body = request.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.byteLength;
        if (seen > maxBytes) controller.error(tooLarge());
        else controller.enqueue(chunk);
      },
    }),
  );
  // duplex: "half" is what Node's fetch requires for a streamed body; the DOM typings do not know it yet.
  return new Request(request.url, {
    method: request.method,
    headers: request.headers,
    body,
    signal: request.signal,
    duplex: "half",
  } as RequestInit);
}

/**
 * `request` with its whole body read into memory, or null when the body is
 * (or says it is) larger than `maxBytes`: for handlers that parse the body
 * their own way (Better Auth) and would otherwise read any size whole.
 */
export async function bufferedWithin(request: Request, maxBytes: number): Promise<Request | null> {
  if (declaresMoreThan(request, maxBytes)) return null;
  if (!request.body) return request;
  class TooLarge extends Error {}
  let body: ArrayBuffer;
  try {
    body = await capUndeclaredBody(request, maxBytes, () => new TooLarge()).arrayBuffer();
  } catch (error) {
    if (error instanceof TooLarge) return null;
    throw error;
  }
  return new Request(request.url, { method: request.method, headers: request.headers, body, signal: request.signal });
}
