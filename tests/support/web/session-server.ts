/**
 * A web process from source for tests that need two of them: Better Auth's
 * routes at /api/auth/* and, at /session, the session exactly as the app's
 * pages and tRPC calls read it (`auth.readSession`, the session cache), with
 * the number of sessions the process holds in X-Sessions-Held.
 * Configured by the environment the app reads (DATABASE_URL,
 * BETTER_AUTH_SECRET, BETTER_AUTH_URL…) and WEB_PORT. Started by
 * ../source-web.ts.
 */
import { createServer } from "node:http";

import { toNodeHandler } from "better-auth/node";

import { auth } from "~/server/auth";

const handleAuth = toNodeHandler(auth);

const server = createServer((req, res) => {
  if (req.url?.startsWith("/api/auth/")) return void handleAuth(req, res);
  if (req.url === "/healthz") return void res.end("ok");
  if (req.url !== "/session") return void res.writeHead(404).end();
  const headers = new Headers();
  if (req.headers.cookie) headers.set("cookie", req.headers.cookie);
  auth.readSession(headers).then(
    (session) => {
      // How many sessions this process holds: tests check they are served from memory.
      res.writeHead(session ? 200 : 401, { "content-type": "application/json", "x-sessions-held": auth.sessions.size });
      res.end(JSON.stringify(session && { sessionId: session.session.id, user: session.user }));
    },
    (error: unknown) => {
      res.writeHead(500, { "content-type": "text/plain" }).end(String(error));
    },
  );
});

server.listen(Number(process.env.WEB_PORT), "127.0.0.1");
process.on("SIGTERM", () => server.close(() => process.exit(0)));
