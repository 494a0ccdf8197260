"use client";

import { useSyncExternalStore } from "react";

const never = () => () => undefined;

/**
 * Whether this browser has WebAuthn (can make and use passkeys); `whileUnknown`
 * on the server and in the first render, which must match the server's.
 */
export function usePasskeySupport(whileUnknown: boolean): boolean {
  return useSyncExternalStore(
    never,
    () => typeof window.PublicKeyCredential === "function",
    () => whileUnknown,
  );
}
