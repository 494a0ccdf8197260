import { redirect } from "next/navigation";

import { browserWorkerUrl } from "~/server/browser-worker-url";
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
