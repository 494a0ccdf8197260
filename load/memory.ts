/**
 * The memory of each server process, read from outside while it serves:
 * its V8 heap right after a full garbage collection, and its resident set.
 *
 * Heap after GC through the inspector protocol: each process is started
 * with --inspect on a port of its own (ChildService.spec.inspectPort); a
 * sample asks it for a full collection (HeapProfiler.collectGarbage) and
 * then for its heap use (Runtime.getHeapUsage). That measures what is still
 * reachable at a moment this tool chooses, the same way at every sample,
 * where the heap at any other time (or after whichever collection V8 ran
 * last, as --trace-gc shows) also holds garbage not yet collected, by an
 * amount that depends on when the collector last ran. It changes nothing in
 * the servers' code or build. The price: one full collection per sample
 * (tens of milliseconds of pause), which is why samples are seconds apart.
 *
 * RSS from /proc/<pid>/status: everything the process holds in memory,
 * outside the V8 heap too (buffers, native code, the allocator's slack).
 */
import CDP from "chrome-remote-interface";

import { errorMessage } from "~/contract/error-message";
import type { ChildService } from "../tooling/child-service";
import { readProc } from "../bench/cpu";

export interface MemoryReading {
  process: string;
  pid?: number;
  /** Bytes in the V8 heap after a full collection. */
  heapAfterGc?: number;
  /** Bytes resident (VmRSS). */
  rss?: number;
  /** Why no heap reading (the process is down, say). */
  error?: string;
}

export interface MemorySample {
  /** Milliseconds since the load began. */
  at: number;
  /** "idle after": once the load has stopped and its last answers came back. */
  phase: "warm-up" | "measured" | "idle after";
  /**
   * Requests in flight when the sample began. What they hold is reachable,
   * so it counts in the heap after GC: a heap that grows with them is a
   * slower server, not a leak; the "idle after" sample tells them apart.
   */
  inFlight: number;
  readings: MemoryReading[];
}

interface Connection {
  pid: number;
  client: CDP.Client;
}

export class MemoryProbe {
  private readonly connections = new Map<ChildService, Connection>();

  constructor(private readonly services: ChildService[]) {
    for (const service of services) {
      if (service.spec.inspectPort === undefined)
        throw new Error(`${service.spec.name} was started without an inspector port: its heap cannot be read`);
    }
  }

  /** Reads each process in turn, so that no two are collecting at the same moment. */
  async read(): Promise<MemoryReading[]> {
    const readings: MemoryReading[] = [];
    for (const service of this.services) readings.push(await this.readOne(service));
    return readings;
  }

  async close(): Promise<void> {
    await Promise.all([...this.connections.values()].map(({ client }) => client.close().catch(() => undefined)));
    this.connections.clear();
  }

  private async readOne(service: ChildService): Promise<MemoryReading> {
    const name = service.spec.name;
    const pid = service.pid;
    if (pid === undefined || !service.running) return { process: name, error: "not running" };
    const rss = rssOf(pid);
    try {
      const { client } = await this.connectionTo(service, pid);
      await client.HeapProfiler.collectGarbage();
      const { usedSize } = await client.Runtime.getHeapUsage();
      return { process: name, pid, heapAfterGc: usedSize, rss };
    } catch (error) {
      // Restarted or going down: the next reading connects again.
      await this.drop(service);
      return { process: name, pid, rss, error: errorMessage(error) };
    }
  }

  private async connectionTo(service: ChildService, pid: number): Promise<Connection> {
    const known = this.connections.get(service);
    if (known?.pid === pid) return known;
    await this.drop(service);
    // local: Node does not serve the protocol's description, so use the one the client ships.
    const client = await CDP({ host: "127.0.0.1", port: service.spec.inspectPort!, local: true });
    const connection = { pid, client };
    client.on("disconnect", () => {
      if (this.connections.get(service) === connection) this.connections.delete(service);
    });
    this.connections.set(service, connection);
    return connection;
  }

  private async drop(service: ChildService): Promise<void> {
    const known = this.connections.get(service);
    this.connections.delete(service);
    await known?.client.close().catch(() => undefined);
  }
}

/** Resident bytes of `pid`, from Linux's /proc (undefined elsewhere). */
export function rssOf(pid: number): number | undefined {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readProc(`/proc/${pid}/status`) ?? "");
  return match ? Number(match[1]) * 1024 : undefined;
}
