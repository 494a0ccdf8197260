import { defineConfig } from "prisma/config";

import { selectSchemaEngine } from "./prisma/engine/select-engine";

// Prisma's native schema engine where it was downloaded, else its WebAssembly build (see
// prisma/engine/select-engine.ts). The CLI loads this file before it looks for its engine.
selectSchemaEngine();

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  // Not env("DATABASE_URL"): that throws while loading this file, and `prisma generate` (run by
  // postinstall) must work without a database. Commands that need one say that url is missing.
  datasource: {
    url: process.env.DATABASE_URL,
    shadowDatabaseUrl: process.env.SHADOW_DATABASE_URL,
  },
});
