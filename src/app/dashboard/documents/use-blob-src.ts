"use client";

import { useCallback, type RefCallback } from "react";

/**
 * A ref for an <img> that shows `blob` through an object URL, set before the
 * first paint and revoked when the image goes or the blob changes: no URL
 * outlives the element that needed it (StrictMode's second attach gets a
 * fresh one, not a revoked one).
 */
export function useBlobSrc(blob: Blob): RefCallback<HTMLImageElement> {
  return useCallback(
    (image: HTMLImageElement) => {
      const href = URL.createObjectURL(blob);
      image.src = href;
      return () => URL.revokeObjectURL(href);
    },
    [blob],
  );
}
