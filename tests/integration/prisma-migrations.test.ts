import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

import { runPrisma } from "../../tooling/prisma-cli";
import { createTestDatabase, queryOnce, type TestDatabase } from "../support/test-database";

const migrationsDir = path.resolve("prisma/migrations");
const migrationNames = readdirSync(migrationsDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

describe("prisma migrate, on a fresh database", () => {
  let database: TestDatabase;
  let shadow: TestDatabase;

  beforeAll(async () => {
    const server = inject("testServerUrl");
    [database, shadow] = await Promise.all([createTestDatabase(server), createTestDatabase(server)]);
  });
  afterAll(async () => {
    await Promise.all([database?.drop(), shadow?.drop()]);
  });

  it("deploy applies every migration and records it as the native engine does", async () => {
    const deploy = await runPrisma(["migrate", "deploy"], { databaseUrl: database.url });
    expect(deploy.output).toContain("All migrations have been successfully applied");
    expect(deploy.code).toBe(0);

    const rows = await queryOnce<{
      migration_name: string;
      checksum: string;
      finished_at: Date | null;
      applied_steps_count: number;
      rolled_back_at: Date | null;
    }>(
      database.url,
      "SELECT migration_name, checksum, finished_at, applied_steps_count, rolled_back_at FROM _prisma_migrations ORDER BY migration_name",
    );
    expect(rows.map((row) => row.migration_name)).toEqual(migrationNames);
    for (const row of rows) {
      const sql = readFileSync(path.join(migrationsDir, row.migration_name, "migration.sql"));
      expect(row.checksum).toBe(createHash("sha256").update(sql).digest("hex"));
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.rolled_back_at).toBeNull();
      expect(row.applied_steps_count).toBe(1);
    }
  });

  it("status then says the database is up to date", async () => {
    const status = await runPrisma(["migrate", "status"], { databaseUrl: database.url });
    expect(status.output).toContain("Database schema is up to date!");
    expect(status.code).toBe(0);
  });

  it("the migrations produce exactly prisma/schema.prisma (no drift)", async () => {
    const diff = await runPrisma(
      [
        "migrate",
        "diff",
        "--from-migrations",
        "prisma/migrations",
        "--to-schema",
        "prisma/schema.prisma",
        "--exit-code",
      ],
      { databaseUrl: database.url, shadowDatabaseUrl: shadow.url },
    );
    expect(diff.output).toContain("No difference detected");
    expect(diff.code).toBe(0);
  });

  it("diff reports a schema change the migrations lack", async () => {
    const changed = path.join(mkdtempSync(path.join(tmpdir(), "schema-")), "schema.prisma");
    const schema = readFileSync("prisma/schema.prisma", "utf8");
    writeFileSync(
      changed,
      schema.replace("  image         String?\n", "  image         String?\n  nickname      String?\n"),
    );
    const diff = await runPrisma(
      ["migrate", "diff", "--from-migrations", "prisma/migrations", "--to-schema", changed, "--exit-code"],
      { databaseUrl: database.url, shadowDatabaseUrl: shadow.url },
    );
    expect(diff.output).toContain("nickname");
    expect(diff.code).toBe(2);
  });

  it("a database that does not exist is a readable P1003, not a crash", async () => {
    const missing = new URL(database.url);
    missing.pathname = "/no_such_database_here";
    const status = await runPrisma(["migrate", "status"], { databaseUrl: missing.toString() });
    expect(status.code).not.toBe(0);
    expect(status.output).toMatch(/P1003|does not exist/);
    expect(status.output).not.toMatch(/\n\s+at .+\.m?js:\d+/);
  });
});
