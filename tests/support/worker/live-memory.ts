/**
 * What a worker process still holds, read from outside through the V8
 * inspector (its ChildService started with an inspectPort): a full garbage
 * collection first, then process.memoryUsage(). Unlike the resident set,
 * which keeps the garbage V8 has not collected yet and whatever the
 * allocator does not give back, this is only what is reachable: the V8 heap
 * and the buffers outside it (arrayBuffers: every Buffer's bytes).
 */
import CDP from "chrome-remote-interface";

export interface LiveMemory {
  heapUsed: number;
  arrayBuffers: number;
}

export async function liveMemory(inspectPort: number): Promise<LiveMemory> {
  // local: Node does not serve the protocol's description, so use the one the client ships.
  const client = await CDP({ host: "127.0.0.1", port: inspectPort, local: true });
  try {
    await client.HeapProfiler.collectGarbage();
    const { result } = await client.Runtime.evaluate({
      expression: "JSON.stringify(process.memoryUsage())",
      returnByValue: true,
    });
    const usage = JSON.parse(result.value as string) as NodeJS.MemoryUsage;
    return { heapUsed: usage.heapUsed, arrayBuffers: usage.arrayBuffers };
  } finally {
    await client.close();
  }
}
