import { readFileSync } from "node:fs";

import { describe, expect, it } from "vitest";

// prisma-kysely types every column of prisma/schema.prisma except the
// Unsupported(...) ones, which Prisma keeps from its generators: db.ts's
// WorkerDatabase declares those by hand. This keeps the two in step, so a
// renamed or new Unsupported column fails here instead of at run time.
describe("the columns WorkerDatabase adds to the generated types", () => {
  it("are exactly the schema's Unsupported columns", () => {
    const schema = readFileSync(new URL("../../prisma/schema.prisma", import.meta.url), "utf8");
    const unsupported: string[] = [];
    for (const [, body] of schema.matchAll(/^model \w+ \{\n([\s\S]*?)^\}/gm)) {
      const table = /@@map\("(\w+)"\)/.exec(body!)?.[1];
      for (const [, column, type] of body!.matchAll(/^\s+(\w+)\s+(Unsupported\("\w+"\))/gm))
        unsupported.push(`${table}.${column}: ${type}`);
    }
    expect(unsupported).toEqual(['document_chunk.search: Unsupported("tsvector")']);
  });
});
