import { existsSync } from "node:fs";
import path from "node:path";

/**
 * Loads .env files into process.env the way `next dev` does, for the scripts
 * that run beside Next.js (the dev launcher, the database commands, the Prisma
 * CLI's config): the first file to set a variable wins, and a variable already
 * in the real environment beats every file.
 */
export function loadEnvFiles(root: string = process.cwd()): void {
  for (const file of [".env.development.local", ".env.local", ".env.development", ".env"]) {
    const full = path.join(root, file);
    if (existsSync(full)) process.loadEnvFile(full);
  }
}
