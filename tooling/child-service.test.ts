import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { ChildService, freePorts } from "./child-service";

// A child that logs a JSON line per GET /line (lengths varying, as real log
// lines do), and on /half and /rest one line in two writes, as a process
// caught mid-write looks to a reader. Writes to a file are synchronous, so
// each is on disk before the answer.
const CHILD = `
const label = process.env.LABEL;
let n = 0;
require("node:http").createServer((req, res) => {
  if (req.url === "/line") { n++; process.stdout.write(JSON.stringify({ label, n, pad: "x".repeat(100 + (n % 7)) }) + "\\n"); }
  if (req.url === "/half") process.stdout.write('{"label":"' + label + '",');
  if (req.url === "/rest") process.stdout.write('"n":0}\\n');
  res.end();
}).listen(Number(process.env.PORT), "127.0.0.1");
`;

let dir: string;
const services: ChildService[] = [];

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "child-service-"));
});

afterEach(async () => {
  await Promise.all(services.splice(0).map((service) => service.kill()));
  rmSync(dir, { recursive: true, force: true });
});

async function logging(label: string, port: number, logFile = path.join(dir, "child.log")) {
  const service = new ChildService({
    name: label,
    args: ["-e", CHILD],
    env: { LABEL: label, PORT: String(port) },
    readyUrl: `http://127.0.0.1:${port}/`,
    logFile,
  });
  services.push(service);
  const get = async (what: "line" | "half" | "rest") =>
    void (await fetch(`http://127.0.0.1:${port}/${what}`)).arrayBuffer();
  return { service, get };
}

function parsed(text: string) {
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as { label: string; n: number });
}

describe("ChildService's log file", () => {
  it("is its own, whole, even when another process logs to the same path at once (a second run in the same checkout)", async () => {
    const [portA, portB] = await freePorts(2);
    const a = await logging("a", portA!);
    const b = await logging("b", portB!);
    await a.service.start();
    await b.service.start();
    for (let i = 0; i < 20; i++) {
      await a.get("line");
      await b.get("line");
    }
    for (const { service } of [a, b]) {
      const lines = parsed(await service.logs());
      expect(lines.map((line) => line.label)).toEqual(Array(20).fill(service.spec.name));
      expect(lines.map((line) => line.n)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    }
  });

  it("keeps what every start logged", async () => {
    const [port] = await freePorts(1);
    const { service, get } = await logging("a", port!);
    await service.start();
    await get("line");
    await service.stop();
    await service.start();
    await get("line");
    expect(parsed(await service.logs()).map((line) => line.n)).toEqual([1, 1]);
  });

  it("reads a line still being written only once it is whole, or once the process is gone", async () => {
    const [port] = await freePorts(1);
    const { service, get } = await logging("a", port!);
    await service.start();
    await get("line");
    await get("half");
    expect(parsed(await service.logs())).toHaveLength(1);
    await get("rest");
    expect(parsed(await service.logs())).toEqual([expect.objectContaining({ n: 1 }), { label: "a", n: 0 }]);
    await get("half");
    await service.kill();
    expect(await service.logs()).toMatch(/\n\{"label":"a",$/);
  });
});
