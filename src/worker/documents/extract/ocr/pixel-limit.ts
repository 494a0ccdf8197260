/** The sentence for an image than OCR takes (undefined when it is within the limit). */
export function pixelLimitReason(width: number, height: number, maxPixels: number): string | undefined {
  if (width * height <= maxPixels) return undefined;
  const side = Math.floor(Math.sqrt(maxPixels)).toLocaleString("en-US");
  return `The image is ${width.toLocaleString("en-US")} × ${height.toLocaleString("en-US")} pixels; OCR reads at most ${maxPixels.toLocaleString("en-US")} pixels (${side} × ${side}). Scan it at 300 dpi or less and upload it again.`;
}
