/**
 * Which text-search configuration a document's chunks are indexed with. A
 * document's own text (a text layer, Word, HTML…) says nothing of its
 * language, so it gets WORKER_SEARCH_CONFIG. A document OCR read whole was
 * read in OCR_LANGUAGES: when that is one language PostgreSQL has a
 * configuration for (german for deu), its chunks are stemmed as that
 * language. A search asks in every configuration in use, so one query finds
 * both (search.ts).
 */
import type { DocumentChunks } from "./extract-pool";
import { searchConfigForLanguage } from "./extract/ocr/languages";

export interface SearchConfigs {
  /** WORKER_SEARCH_CONFIG: documents with text of their own. */
  text: string;
  /** Documents whose every page OCR read. */
  scans: string;
}

export function searchConfigsFor(textConfig: string, ocrLanguages: readonly string[]): SearchConfigs {
  const language = ocrLanguages.length === 1 ? searchConfigForLanguage(ocrLanguages[0]!) : undefined;
  // english_unaccent is english with accents ignored: the same language, already configured better.
  const scans = language === undefined || textConfig.startsWith(language) ? textConfig : language;
  return { text: textConfig, scans };
}

/** The configurations a search asks in: each one some document may be indexed with. */
export function configsInUse(configs: SearchConfigs): string[] {
  return [...new Set([configs.text, configs.scans])];
}

/** The configuration for a document's chunks, once it is read. */
export function documentSearchConfig(configs: SearchConfigs, { pages, ocr }: DocumentChunks): string {
  return ocr !== undefined && ocr.pages > 0 && ocr.pages === pages ? configs.scans : configs.text;
}
