"use client";

import { useQuery } from "@tanstack/react-query";
import { useRef, useState } from "react";

import { errorMessage } from "~/contract/error-message";
import { fetchPageImage } from "~/worker-client/page-image";
import type { WorkerHttpOptions } from "~/worker-client/worker-http";
import styles from "./documents.module.css";
import { useBlobSrc } from "./use-blob-src";
import { useOnScreen } from "./use-on-screen";

export interface PageThumbnailProps {
  http: WorkerHttpOptions;
  documentId: string;
  documentName: string;
  page: number;
}

/**
 * The small image of a page OCR read, beside a search hit on it, so a user
 * can tell at a glance whether the hit is the right scan. Fetched once the box
 * comes near the screen, in a box of fixed size (nothing moves when it
 * arrives); when it cannot be had (no image, the worker down) the box says
 * so in words instead of showing a broken image.
 */
export function PageThumbnail({ http, documentId, documentName, page }: PageThumbnailProps) {
  const box = useRef<HTMLDivElement>(null);
  const onScreen = useOnScreen(box);
  const image = useQuery({
    // The same page under several hits, or again on the way back to a result page, is fetched once.
    queryKey: ["worker-direct", "page-image", http.workerUrl, http.sessionId, documentId, page],
    queryFn: ({ signal }) => fetchPageImage({ ...http, documentId, page, signal }),
    enabled: onScreen,
    staleTime: Infinity,
    retry: false,
  });
  // Fetched but not an image the browser can show (a proxy's page, damaged bytes).
  const [undecodable, setUndecodable] = useState<Blob>();
  const state =
    image.isError || (image.data && image.data === undecodable)
      ? "failed"
      : image.data
        ? "shown"
        : onScreen
          ? "loading"
          : "waiting";

  return (
    <div
      ref={box}
      className={styles.thumb}
      data-testid="search-hit-image"
      data-state={state}
      title={image.isError ? errorMessage(image.error) : undefined}
    >
      {state === "shown" && image.data ? (
        <BlobImage blob={image.data} alt={`Page ${page} of ${documentName}`} onError={setUndecodable} />
      ) : state === "failed" ? (
        <span className={styles.thumbText}>No image of page {page}</span>
      ) : (
        // The hit's place line names the page already: this is only a placeholder's label.
        <span className={styles.thumbText} aria-hidden="true">
          {state === "loading" ? "Loading…" : `Page ${page}`}
        </span>
      )}
    </div>
  );
}

function BlobImage({ blob, alt, onError }: { blob: Blob; alt: string; onError: (blob: Blob) => void }) {
  const attach = useBlobSrc(blob);
  // eslint-disable-next-line @next/next/no-img-element -- an object URL: next/image has nothing to optimise
  return <img ref={attach} alt={alt} onError={() => onError(blob)} />;
}
