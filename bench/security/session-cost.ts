/**
 * (5) What a page pays for reading its session from the database on every
 * request, now that no cookie cache answers for it (docs/decisions/0008):
 * one Better Auth session read, from the database and from a signed cookie,
 * side by side in this process against the stack's database, next to what
 * the whole /dashboard page costs over HTTP.
 */
import http from "node:http";
import { randomBytes } from "node:crypto";

import { createLogger } from "~/server/logger";
import { createAuth } from "~/server/auth";
import { createPrismaClient } from "~/server/db/prisma";
import { percentiles } from "../../tooling/percentiles";
import { cookieOf, newClientIp, signUp } from "../../tooling/app-client";
import { get } from "../client";
import type { Stack } from "../stack";

export const SESSION_COST = { warmup: 200, reads: 2_000, pageWarmup: 20, pages: 200 };

export interface SessionCostResult {
  database: { p50: number; p99: number };
  cookieCache: { p50: number; p99: number };
  dashboard: { p50: number; p99: number; failed: number };
}

export async function measureSessionCost(stack: Stack): Promise<SessionCostResult> {
  const db = createPrismaClient(stack.databaseUrl);
  try {
    const options = {
      db,
      secret: randomBytes(32).toString("base64"),
      baseURL: "http://localhost:3000",
      workerTokenTtl: 900,
      keyGracePeriod: 3_600,
      // Quiet: the bench prints its own table.
      logger: createLogger("silent"),
    };
    const cached = createAuth({ ...options, sessionCookieCacheSeconds: 300 });
    const uncached = createAuth(options);
    // Signed up through the cached instance: its answer sets both cookies,
    // the session token and the signed copy; the other reads only the token.
    const signUpAnswer = await cached.handler(
      new Request(`${options.baseURL}/api/auth/sign-up/email`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: options.baseURL },
        body: JSON.stringify({
          name: "Session Cost",
          email: `cost-${randomBytes(6).toString("hex")}@example.com`,
          password: randomBytes(18).toString("base64url"),
        }),
      }),
    );
    if (signUpAnswer.status !== 200) throw new Error(`sign-up for (5) failed: HTTP ${signUpAnswer.status}`);
    const headers = new Headers({ cookie: cookieOf(signUpAnswer) });

    const timeReads = async (auth: typeof cached) => {
      const latencies: number[] = [];
      for (let n = 0; n < SESSION_COST.warmup + SESSION_COST.reads; n++) {
        const started = performance.now();
        const session = await auth.api.getSession({ headers });
        if (!session) throw new Error("(5): the session read found no session");
        if (n >= SESSION_COST.warmup) latencies.push(performance.now() - started);
      }
      return percentiles(latencies);
    };
    const database = await timeReads(uncached);
    const cookieCache = await timeReads(cached);
    return { database, cookieCache, dashboard: await timeDashboard(stack) };
  } finally {
    await db.$disconnect();
  }
}

/** The production /dashboard, one render at a time for a signed-in user. */
async function timeDashboard(stack: Stack): Promise<SessionCostResult["dashboard"]> {
  const user = await signUp(stack.webUrl, "dashboard", newClientIp());
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const latencies: number[] = [];
  let failed = 0;
  try {
    for (let n = 0; n < SESSION_COST.pageWarmup + SESSION_COST.pages; n++) {
      const started = performance.now();
      const { status } = await get(`${stack.webUrl}/dashboard`, { cookie: user.cookie }, agent);
      if (status !== 200) failed++;
      if (n >= SESSION_COST.pageWarmup) latencies.push(performance.now() - started);
    }
  } finally {
    agent.destroy();
  }
  return { ...percentiles(latencies), failed };
}
