import { existsSync } from "node:fs";
import path from "node:path";

import { describe, expect, it } from "vitest";

import { languageDataPath, languagesFolder, missingOcrLanguages, searchConfigForLanguage } from "./languages";

describe("OCR languages", () => {
  it("finds an installed language's model in its package", () => {
    const folder = languageDataPath("eng");
    expect(folder).toMatch(/node_modules\/@tesseract\.js-data\/eng\/4\.0\.0_best_int$/);
    expect(existsSync(path.join(folder ?? "", "eng.traineddata.gz"))).toBe(true);
    expect(missingOcrLanguages(["eng"])).toBeUndefined();
  });

  it("names each missing language and the install that fixes it", () => {
    expect(missingOcrLanguages(["eng", "deu", "fra"])).toBe(
      'OCR_LANGUAGES names "deu", "fra" but their models are not installed: run npm install --save-exact @tesseract.js-data/deu @tesseract.js-data/fra (or remove them from OCR_LANGUAGES).',
    );
    expect(missingOcrLanguages(["xyz"])).toBe(
      'OCR_LANGUAGES names "xyz" but its model is not installed: run npm install --save-exact @tesseract.js-data/xyz (or remove it from OCR_LANGUAGES).',
    );
  });

  it("takes no code that is not one (a path, a package of another scope)", () => {
    expect(languageDataPath("../eng")).toBeUndefined();
    expect(languageDataPath("eng/../../sharp")).toBeUndefined();
    expect(missingOcrLanguages(["../eng"])).toContain('"../eng"');
  });

  it("gives tesseract.js the package's own folder for one language, and refuses a missing one", () => {
    expect(languagesFolder(["eng"])).toBe(languageDataPath("eng"));
    expect(languagesFolder(["eng", "eng"])).toBe(languageDataPath("eng"));
    expect(() => languagesFolder(["eng", "deu"])).toThrow(/"deu"/);
  });

  it("maps a language to PostgreSQL's text-search configuration where it has one", () => {
    expect(searchConfigForLanguage("eng")).toBe("english");
    expect(searchConfigForLanguage("deu")).toBe("german");
    expect(searchConfigForLanguage("nld")).toBe("dutch");
    expect(searchConfigForLanguage("jpn")).toBeUndefined();
    expect(searchConfigForLanguage("constructor")).toBeUndefined();
  });
});
