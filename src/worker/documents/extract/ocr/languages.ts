/**
 * Where each OCR language's model is: the @tesseract.js-data/<code> package
 * installed with the project (its 4.0.0_best_int folder, the one
 * tesseract.js's own default names), never a download at run time. Resolved
 * by Node's module resolution from this file, which finds node_modules from
 * the source tree and from the bundled dist/ alike.
 */
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";

const require = createRequire(import.meta.url);

/** The model's folder for tesseract.js's langPath, or undefined when its package is not installed. */
export function languageDataPath(code: string): string | undefined {
  // A code is a path segment: nothing that could leave the package's scope.
  if (!/^[a-z][a-z0-9_]*$/.test(code)) return undefined;
  try {
    return path.join(path.dirname(require.resolve(`@tesseract.js-data/${code}/package.json`)), "4.0.0_best_int");
  } catch {
    return undefined;
  }
}

/**
 * The sentence the worker stops with when an OCR language's model is not
 * installed (undefined when every one is): each code, and the install that fixes it.
 */
export function missingOcrLanguages(codes: readonly string[]): string | undefined {
  const missing = codes.filter((code) => languageDataPath(code) === undefined);
  if (missing.length === 0) return undefined;
  const installs = missing.map((code) => `@tesseract.js-data/${code}`).join(" ");
  const names = missing.map((code) => `"${code}"`).join(", ");
  return `OCR_LANGUAGES names ${names} but ${missing.length === 1 ? "its model is" : "their models are"} not installed: run npm install --save-exact ${installs} (or remove ${missing.length === 1 ? "it" : "them"} from OCR_LANGUAGES).`;
}

// Tesseract's codes (ISO 639-2/B and its own) for the languages PostgreSQL 15
// has a text-search configuration of (\dF: its snowball stemmers).
const SEARCH_CONFIGS: Readonly<Record<string, string>> = {
  ara: "arabic",
  hye: "armenian",
  eus: "basque",
  cat: "catalan",
  dan: "danish",
  nld: "dutch",
  eng: "english",
  fin: "finnish",
  fra: "french",
  deu: "german",
  ell: "greek",
  hin: "hindi",
  hun: "hungarian",
  ind: "indonesian",
  gle: "irish",
  ita: "italian",
  lit: "lithuanian",
  nep: "nepali",
  nor: "norwegian",
  por: "portuguese",
  ron: "romanian",
  rus: "russian",
  srp: "serbian",
  spa: "spanish",
  swe: "swedish",
  tam: "tamil",
  tur: "turkish",
  yid: "yiddish",
};

/** PostgreSQL's text-search configuration for a Tesseract language code, where it has one. */
export function searchConfigForLanguage(code: string): string | undefined {
  return Object.hasOwn(SEARCH_CONFIGS, code) ? SEARCH_CONFIGS[code] : undefined;
}

/**
 * The one folder tesseract.js's langPath names for these languages: it
 * reads <langPath>/<code>.traineddata.gz for each. Each package keeps its
 * model in a folder of its own, so for more than one language this is a
 * folder of links to them, made once per process.
 */
export function languagesFolder(languages: readonly string[]): string {
  const codes = [...new Set(languages)];
  const folders = codes.map((code) => {
    const folder = languageDataPath(code);
    if (!folder) throw new Error(missingOcrLanguages([code]));
    return folder;
  });
  if (folders.length === 1 && folders[0]) return folders[0];
  const key = codes.join("+");
  let linked = linkedFolders.get(key);
  if (!linked) {
    const made = mkdtempSync(path.join(tmpdir(), "ocr-languages-"));
    process.once("exit", () => rmSync(made, { recursive: true, force: true }));
    codes.forEach((code, index) => {
      symlinkSync(path.join(folders[index] ?? "", `${code}.traineddata.gz`), path.join(made, `${code}.traineddata.gz`));
    });
    linked = made;
    linkedFolders.set(key, linked);
  }
  return linked;
}

const linkedFolders = new Map<string, string>();
