/** The `p`th percentile of `values` (nearest rank); NaN for none. */
export function percentile(values: number[], p: number): number {
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

/** p50 and p99 of `values` (nearest rank), for the bench scripts and the tests that report latencies. */
export function percentiles(values: number[]): { p50: number; p99: number } {
  return { p50: percentile(values, 50), p99: percentile(values, 99) };
}
