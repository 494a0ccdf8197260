/**
 * A count with its noun, as the dashboard shows every count: "1 chunk",
 * "2 chunks", "1,204 pages". `many` is for nouns whose plural is not the
 * singular plus "s" ("1 match", "2 matches").
 */
export function countOf(count: number, one: string, many = `${one}s`): string {
  return `${count.toLocaleString("en")} ${count === 1 ? one : many}`;
}
