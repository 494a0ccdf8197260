import { redirect } from "next/navigation";

import { env } from "~/env";
import { getSession } from "~/server/session";
import { api, HydrateClient } from "~/trpc/server";
import { Profile } from "./profile";
import { WorkerPanel } from "./worker-panel";

export const metadata = { title: "Dashboard · Typed Worker Stack" };

export default async function DashboardPage() {
  // The authoritative check, on the server: no session, no dashboard.
  const session = await getSession();
  if (!session) redirect("/sign-in");

  void api.session.me.prefetch();

  return (
    <HydrateClient>
      <main className="wide">
        <h1>Dashboard</h1>
        <Profile />
        <WorkerPanel workerUrl={browserWorkerUrl()} sessionId={session.session.id} />
      </main>
    </HydrateClient>
  );
}

/**
 * Where the browser reaches the worker. Read here, at request time, rather
 * than inlined into the client bundle at build time, so one image serves any
 * deployment; it often differs from the server's WORKER_URL (a compose
 * service name the browser cannot resolve).
 */
function browserWorkerUrl(): string {
  return env().NEXT_PUBLIC_WORKER_URL ?? env().WORKER_URL;
}
