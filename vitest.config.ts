import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Four suites:
// - unit: beside the code they test (src, scripts, tooling, prisma, load), no shared database;
// - integration: tests/integration, against one migrated database per run;
// - e2e: tests/e2e, a real browser against the production build;
// - containers: tests/containers, the compose stack's images built and run by
//   a container engine (Docker, or podman through its Docker API).
// `npm test` runs the first two, `npm run test:e2e` the third, `npm run test:containers` the fourth.
const testEnv = {
  NODE_ENV: "test" as const,
  BETTER_AUTH_SECRET: "test-secret-test-secret-test-secret-0123",
  BETTER_AUTH_URL: "http://localhost:3000",
  LOG_LEVEL: "silent",
  // As if behind one proxy: TestBrowser's X-Forwarded-For is what that proxy
  // recorded, so each test browser is a client IP of its own. Tests of the
  // default (0, no proxy) build an auth of their own.
  TRUSTED_PROXY_HOPS: "1",
};

export default defineConfig({
  resolve: {
    alias: {
      "~": fileURLToPath(new URL("./src", import.meta.url)),
      // Tests are server code: resolve "server-only" as React's server build does.
      "server-only": fileURLToPath(new URL("./node_modules/server-only/empty.js", import.meta.url)),
    },
  },
  test: {
    reporters: ["default", "./tests/support/summary-reporter.ts"],
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: [
            "src/**/*.test.ts",
            "scripts/**/*.test.ts",
            "tooling/**/*.test.ts",
            "prisma/**/*.test.ts",
            "load/**/*.test.ts",
            "bench/**/*.test.ts",
            "tests/support/**/*.test.ts",
          ],
          env: testEnv,
          testTimeout: 30_000,
        },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["tests/integration/**/*.test.ts"],
          globalSetup: ["tests/support/integration-setup.ts"],
          setupFiles: ["tests/support/setup-env.ts"],
          env: testEnv,
          testTimeout: 30_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          name: "e2e",
          include: ["tests/e2e/**/*.e2e.ts"],
          // Builds once (`npm run build`) before any file runs.
          globalSetup: ["tests/e2e/global-setup.ts"],
          // Each file starts its own servers; two cores are enough for one at a time.
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
      {
        extends: true,
        test: {
          name: "containers",
          include: ["tests/containers/**/*.test.ts"],
          fileParallelism: false,
          testTimeout: 180_000,
          // A build from a cold cache (npm ci, next build) takes a quarter of an hour on 2 cores.
          hookTimeout: 45 * 60_000,
        },
      },
    ],
  },
});
