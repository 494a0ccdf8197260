/**
 * What an upload's line says: a file waits its turn until one of the user's
 * upload slots is free (MAX_UPLOADS_IN_FLIGHT_PER_USER), and "0% sent" would
 * read as stuck.
 */
export interface UploadProgress {
  size: number;
  loaded: number;
  /** Its request has been sent; false while it waits for a free slot. */
  started: boolean;
}

export function uploadProgressLabel({ size, loaded, started }: UploadProgress): string {
  if (!started) return "Waiting for the uploads before it…";
  return `${size ? Math.floor((loaded / size) * 100) : 0}% sent`;
}
