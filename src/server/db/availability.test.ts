import { describe, expect, it } from "vitest";

import { createDatabaseAvailability } from "./availability";

const unreachable = Object.assign(new Error("Can't reach database server"), { code: "P1001" });

function setup(probe: () => Promise<unknown>) {
  let time = 1_000_000;
  const lines: { level: string; fields: object; message: string }[] = [];
  let probes = 0;
  const availability = createDatabaseAvailability({
    probe: () => {
      probes++;
      return probe();
    },
    log: {
      error: (fields, message) => lines.push({ level: "error", fields, message }),
      info: (fields, message) => lines.push({ level: "info", fields, message }),
    },
    freshMs: 1_000,
    now: () => time,
  });
  return { availability, lines, probes: () => probes, advance: (ms: number) => (time += ms) };
}

describe("database availability", () => {
  it("probes when nothing is known, then trusts the answer for freshMs; concurrent checks share one probe", async () => {
    const { availability, probes, advance } = setup(() => Promise.resolve());

    expect(await Promise.all([availability.check(), availability.check(), availability.check()])).toEqual([
      true,
      true,
      true,
    ]);
    expect(probes()).toBe(1);
    advance(999);
    await availability.check();
    expect(probes()).toBe(1);
    advance(1);
    await availability.check();
    expect(probes()).toBe(2);
  });

  it("one log line when the database goes (with the first cause) and one when it is back, none in between", async () => {
    let up = true;
    const { availability, lines, advance } = setup(() => (up ? Promise.resolve() : Promise.reject(unreachable)));
    await availability.check();

    expect(availability.reportFailure(unreachable)).toBe(true);
    expect(availability.reportFailure(Object.assign(new Error("other"), { code: "P1017" }))).toBe(true);
    up = false;
    for (let i = 0; i < 5; i++) {
      advance(1_000);
      expect(await availability.check()).toBe(false);
    }
    up = true;
    advance(1_000);
    expect(await availability.check()).toBe(true);

    expect(lines).toEqual([
      {
        level: "error",
        fields: { reason: "P1001: Can't reach database server" },
        message: expect.stringContaining("database unavailable"),
      },
      { level: "info", fields: { downMs: 6_000 }, message: "database reachable again" },
    ]);
  });

  it("an error that says nothing about the database changes nothing", async () => {
    const { availability, lines } = setup(() => Promise.resolve());
    expect(availability.reportFailure(new Error("Unique constraint failed"))).toBe(false);
    expect(availability.state().up).toBe(true);
    expect(lines).toEqual([]);
  });

  it("what others report keeps it fresh: no probe of its own (a session poll can feed it)", async () => {
    const { availability, probes, advance } = setup(() => Promise.resolve());
    for (let i = 0; i < 10; i++) {
      availability.reportSuccess();
      expect(await availability.check()).toBe(true);
      advance(250);
    }
    availability.reportFailure(unreachable);
    expect(await availability.check()).toBe(false);
    expect(probes()).toBe(0);
  });

  it("a probe that fails for a reason of its own (a timeout) is still down; recheck probes even when fresh", async () => {
    let fail = false;
    const { availability, probes } = setup(() =>
      fail ? Promise.reject(new Error("no answer within 2 s")) : Promise.resolve(),
    );
    expect(await availability.check()).toBe(true);
    fail = true;
    expect(await availability.recheck()).toBe(false);
    expect(availability.state().reason).toBe("the probe failed: no answer within 2 s");
    expect(probes()).toBe(2);
  });
});
