import { createServer, type AddressInfo } from "node:net";

import { afterEach, describe, expect, it, vi } from "vitest";

import { startTestServer } from "./test-database";

/** A port nothing listens on: taken from the OS, then given back. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("startTestServer", () => {
  afterEach(() => vi.unstubAllEnvs());

  // A run that quietly tested somewhere else would report on the wrong server.
  it("refuses a TEST_DATABASE_URL that does not answer, naming it without its password", async () => {
    const port = await closedPort();
    vi.stubEnv("TEST_DATABASE_URL", `postgresql://tester:s3cret-pw@127.0.0.1:${port}/postgres`);
    const failure = startTestServer();
    await expect(failure).rejects.toThrow(
      `TEST_DATABASE_URL (postgresql://tester:****@127.0.0.1:${port}/postgres) does not answer`,
    );
    await expect(failure).rejects.not.toThrow("s3cret-pw");
  });
});
