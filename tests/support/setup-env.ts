import { inject } from "vitest";

// Runs before each test file's imports, so modules that read the environment
// at load time (the Prisma client, Better Auth) see the run's own database.
process.env.DATABASE_URL = inject("databaseUrl");
