/** What a page receives as `searchParams` (Next.js 16: a promise). */
export interface SearchParamsProps {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

/** One query parameter as text; absent or repeated reads as undefined (a link we make never repeats one). */
export function singleParam(value: string | string[] | undefined): string | undefined {
  return typeof value === "string" ? value : undefined;
}
