import { existsSync } from "node:fs";
import path from "node:path";

/**
 * Loads .env files into process.env the way Next.js does for `mode`, for the
 * scripts that run beside it (the dev and production launchers, the database
 * commands, the Prisma CLI's config): the first file to set a variable wins,
 * and a variable already in the real environment beats every file.
 */
export function loadEnvFiles(root: string = process.cwd(), mode: "development" | "production" = "development"): void {
  for (const file of [`.env.${mode}.local`, ".env.local", `.env.${mode}`, ".env"]) {
    const full = path.join(root, file);
    if (existsSync(full)) process.loadEnvFile(full);
  }
}
