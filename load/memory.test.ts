import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import { afterAll, beforeAll, expect, test } from "vitest";

import { ChildService, freePorts } from "../tooling/child-service";
import { MemoryProbe, rssOf } from "./memory";

const MB = 1024 * 1024;

// A server whose memory the test controls: /garbage allocates 50 MB and lets
// go of it, /retain keeps 20 MB more reachable.
const TARGET = `
const kept = [];
require("node:http").createServer((req, res) => {
  if (req.url === "/garbage") { let junk = []; for (let i = 0; i < 50; i++) junk.push(new Array(MB / 8).fill(i)); junk = null; }
  if (req.url === "/retain") { for (let i = 0; i < 20; i++) kept.push(new Array(MB / 8).fill(i)); }
  res.end("ok");
}).listen(Number(process.env.PORT), "127.0.0.1");
`.replaceAll("MB", String(MB));

let dir: string;
let service: ChildService;
let url: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "memory-probe-"));
  const [port, inspectPort] = await freePorts(2);
  url = `http://127.0.0.1:${port}`;
  service = new ChildService({
    name: "target",
    args: ["-e", TARGET],
    env: { PORT: String(port) },
    readyUrl: url,
    logFile: path.join(dir, "target.log"),
    inspectPort,
  });
  await service.start();
});

afterAll(async () => {
  await service?.stop();
  await rm(dir, { recursive: true, force: true });
});

test("reads the heap after a full collection: garbage leaves it as it was, retained memory shows; reconnects after a restart", async () => {
  const probe = new MemoryProbe([service]);
  try {
    const heap = async () => {
      const [reading] = await probe.read();
      expect(reading).toMatchObject({ process: "target", pid: service.pid });
      expect(reading!.rss).toBeGreaterThan(10 * MB);
      return reading!.heapAfterGc!;
    };
    const before = await heap();
    await fetch(`${url}/garbage`).then((res) => res.text());
    expect(Math.abs((await heap()) - before)).toBeLessThan(5 * MB);
    await fetch(`${url}/retain`).then((res) => res.text());
    expect((await heap()) - before).toBeGreaterThan(18 * MB);

    const firstPid = service.pid;
    await service.kill();
    expect((await probe.read())[0]).toMatchObject({ error: "not running" });
    await service.start();
    const [restarted] = await probe.read();
    expect(restarted!.pid).not.toBe(firstPid);
    expect(restarted!.heapAfterGc).toBeLessThan(before + 5 * MB);
  } finally {
    await probe.close();
  }
});

test("rssOf reads this process's resident set", () => {
  expect(rssOf(process.pid)).toBeGreaterThan(process.memoryUsage().heapUsed / 2);
  expect(rssOf(2 ** 22 + 1)).toBeUndefined();
});
