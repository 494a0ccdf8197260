import { fileURLToPath } from "node:url";

import { ESLint } from "eslint";
import tseslint from "typescript-eslint";
import { describe, expect, it } from "vitest";

// The import rules of eslint.config.js, run on snippets placed where they
// would break them: each rule must fire, through the ~/ alias and relative
// paths alike (an import the resolver cannot follow is silently allowed, so
// a broken resolver would show here as a rule that never fires).
const root = fileURLToPath(new URL("..", import.meta.url));
// The probe files do not exist, so the type-aware rules (which need each
// file in a TypeScript project) are off here; the import rules need no types.
const eslint = new ESLint({ cwd: root, overrideConfig: tseslint.configs.disableTypeChecked });

async function boundaryErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${root}${filePath}` });
  const messages = result?.messages ?? [];
  // A snippet ESLint could not parse would pass every "allows" case unseen.
  expect(messages.filter((message) => message.fatal)).toEqual([]);
  return messages
    .filter((message) =>
      ["import/no-restricted-paths", "no-restricted-imports", "no-restricted-syntax"].includes(message.ruleId ?? ""),
    )
    .map((message) => message.message);
}

describe("import boundaries", { timeout: 60_000 }, () => {
  it.each([
    [
      "the web tier importing the worker (alias)",
      "src/app/dashboard/probe.ts",
      'import { DOCUMENTS_POOL_SIZE } from "~/worker/documents/upload-pool";',
      /web tier never imports the worker/,
    ],
    [
      "the web tier importing the worker (relative)",
      "src/server/probe.ts",
      'import type { WorkerRouter } from "../worker/router";',
      /web tier never imports the worker/,
    ],
    [
      "the worker importing the web tier's env (alias)",
      "src/worker/probe.ts",
      'import { env } from "~/env";',
      /worker imports only src\/worker and src\/contract/,
    ],
    [
      "the worker importing the web tier (relative)",
      "src/worker/documents/probe.ts",
      'import { logger } from "../../server/logger";',
      /worker imports only src\/worker and src\/contract/,
    ],
    [
      "the worker importing its client",
      "src/worker/probe.ts",
      'import { createTokenCache } from "~/worker-client/token-cache";',
      /worker imports only/,
    ],
    [
      "the worker client importing the worker",
      "src/worker-client/probe.ts",
      'import type { Logger } from "~/worker/logger";',
      /worker client imports only itself and src\/contract/,
    ],
    [
      "the contract importing a package other than zod",
      "src/contract/probe.ts",
      'import pino from "pino";',
      /contract imports only zod and itself/,
    ],
    [
      "the contract importing the worker",
      "src/contract/probe.ts",
      'import type { Logger } from "../worker/logger";',
      /contract imports only zod and itself/,
    ],
    [
      "the router's type re-exported as a value",
      "src/contract/worker-router.ts",
      'export { workerRouter } from "../worker/router";',
      /Only a type may come from the worker/,
    ],
  ])("refuses %s", async (_, filePath, code, expected) => {
    const errors = await boundaryErrors(filePath, `${code}\n`);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(expected);
  });

  it.each([
    [
      "the web tier importing the contract",
      "src/app/dashboard/probe.ts",
      'import { MAX_UPLOADS_IN_FLIGHT_PER_USER } from "~/contract/document-limits";',
    ],
    [
      "the worker importing itself and the contract",
      "src/worker/documents/probe.ts",
      'import { DOCUMENTS_POOL_SIZE } from "./upload-pool";\nimport { megabytes } from "../../contract/document-limits";',
    ],
    [
      "the contract importing zod and itself",
      "src/contract/probe.ts",
      'import { z } from "zod";\nimport type { DocumentKind } from "./document-summary";',
    ],
    [
      "the router's type, the contract's one import of the worker",
      "src/contract/worker-router.ts",
      'export type { WorkerRouter } from "../worker/router";',
    ],
  ])("allows %s", async (_, filePath, code) => {
    expect(await boundaryErrors(filePath, `${code}\n`)).toEqual([]);
  });
});
