import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Two suites: `npm test` (unit and integration, against source) and
// `npm run test:e2e` (a real browser against the production build).
export default defineConfig({
  resolve: {
    alias: {
      "~": fileURLToPath(new URL("./src", import.meta.url)),
      // Tests are server code: resolve "server-only" as React's server build does.
      "server-only": fileURLToPath(new URL("./node_modules/server-only/empty.js", import.meta.url)),
    },
  },
  test: {
    reporters: ["default", "./src/test/summary-reporter.ts"],
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["src/**/*.test.ts"],
          globalSetup: ["src/test/global-setup.ts"],
          setupFiles: ["src/test/setup-env.ts"],
          env: {
            NODE_ENV: "test",
            BETTER_AUTH_SECRET: "test-secret-test-secret-test-secret-0123",
            BETTER_AUTH_URL: "http://localhost:3000",
            LOG_LEVEL: "silent",
          },
          testTimeout: 30_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          name: "e2e",
          include: ["src/e2e/**/*.e2e.ts"],
          // Builds once (`npm run build`) before any file runs.
          globalSetup: ["src/e2e/global-setup.ts"],
          // Each file starts its own servers; two cores are enough for one at a time.
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
