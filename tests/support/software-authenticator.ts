import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from "node:crypto";

/**
 * A WebAuthn authenticator in software (ES256, "none" attestation), for
 * integration tests that need what a browser would never send: a ceremony
 * signed for another origin or relying party, a signature count that went
 * back, someone else's credential id with one's own key. It answers the
 * options the passkey plugin hands out with the JSON SimpleWebAuthn's
 * browser half would post. The browser's own authenticator is driven in
 * tests/e2e/passkeys.e2e.ts.
 */
export class SoftwareAuthenticator {
  private readonly credentials = new Map<string, { privateKey: KeyObject; signCount: number }>();

  constructor(private readonly origin: string) {}

  /** An answer to generate-register-options' `options`: a new credential. */
  register(
    options: { challenge: string; rp: { id?: string } },
    { origin = this.origin, rpId = options.rp.id! }: { origin?: string; rpId?: string } = {},
  ) {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const jwk = publicKey.export({ format: "jwk" });
    const id = randomBytes(16);
    const cosePublicKey = cbor(
      new Map<number, number | Buffer>([
        [1, 2], // kty: EC2
        [3, -7], // alg: ES256
        [-1, 1], // crv: P-256
        [-2, Buffer.from(jwk.x!, "base64url")],
        [-3, Buffer.from(jwk.y!, "base64url")],
      ]),
    );
    const authData = Buffer.concat([
      sha256(rpId),
      Buffer.from([0x45]), // user present, user verified, attested credential data
      uint32(0),
      Buffer.alloc(16), // AAGUID: none
      Buffer.from([id.length >> 8, id.length & 0xff]),
      id,
      cosePublicKey,
    ]);
    const credentialId = id.toString("base64url");
    this.credentials.set(credentialId, { privateKey, signCount: 0 });
    const clientData = { type: "webauthn.create", challenge: options.challenge, origin, crossOrigin: false };
    return {
      id: credentialId,
      rawId: credentialId,
      type: "public-key",
      authenticatorAttachment: "platform",
      response: {
        clientDataJSON: Buffer.from(JSON.stringify(clientData)).toString("base64url"),
        attestationObject: cbor(
          new Map<string, unknown>([
            ["fmt", "none"],
            ["attStmt", new Map()],
            ["authData", authData],
          ]),
        ).toString("base64url"),
        transports: ["internal"],
      },
    };
  }

  /**
   * An assertion of `credentialId` (signed with its key, or with `keyOf`'s:
   * another credential's key under this id) for generate-authenticate-options'
   * `options`. The signature count goes up by one unless `signCount` is given.
   */
  authenticate(
    options: { challenge: string; rpId?: string },
    credentialId: string,
    {
      origin = this.origin,
      rpId = options.rpId!,
      signCount,
      keyOf = credentialId,
    }: { origin?: string; rpId?: string; signCount?: number; keyOf?: string } = {},
  ) {
    const credential = this.credentials.get(keyOf);
    if (!credential) throw new Error(`no credential ${keyOf} in this authenticator`);
    credential.signCount = signCount ?? credential.signCount + 1;
    const authData = Buffer.concat([sha256(rpId), Buffer.from([0x05]), uint32(credential.signCount)]);
    const clientDataJSON = Buffer.from(JSON.stringify({ type: "webauthn.get", challenge: options.challenge, origin }));
    const signature = sign("sha256", Buffer.concat([authData, sha256(clientDataJSON)]), credential.privateKey);
    return {
      id: credentialId,
      rawId: credentialId,
      type: "public-key",
      authenticatorAttachment: "platform",
      response: {
        clientDataJSON: clientDataJSON.toString("base64url"),
        authenticatorData: authData.toString("base64url"),
        signature: signature.toString("base64url"),
      },
    };
  }
}

function sha256(data: string | Buffer): Buffer {
  return createHash("sha256").update(data).digest();
}

function uint32(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value);
  return bytes;
}

/** The CBOR (RFC 8949) WebAuthn needs: integers, text and byte strings, maps. */
function cbor(value: unknown): Buffer {
  if (typeof value === "number") return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (typeof value === "string") return withHead(3, Buffer.from(value));
  if (Buffer.isBuffer(value)) return withHead(2, value);
  if (value instanceof Map) {
    const entries = [...(value as Map<unknown, unknown>)].flatMap(([key, item]) => [cbor(key), cbor(item)]);
    return Buffer.concat([head(5, value.size), ...entries]);
  }
  throw new Error(`cbor: cannot encode ${typeof value}`);
}

function withHead(major: number, bytes: Buffer): Buffer {
  return Buffer.concat([head(major, bytes.length), bytes]);
}

function head(major: number, length: number): Buffer {
  const type = major << 5;
  if (length < 24) return Buffer.from([type | length]);
  if (length < 0x100) return Buffer.from([type | 24, length]);
  if (length < 0x10000) return Buffer.from([type | 25, length >> 8, length & 0xff]);
  return Buffer.concat([Buffer.from([type | 26]), uint32(length)]);
}
