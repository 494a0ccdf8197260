import { redirect } from "next/navigation";

import { getSession } from "~/server/session";
import { api, HydrateClient } from "~/trpc/server";
import { Profile } from "./profile";

export const metadata = { title: "Dashboard · Typed Worker Stack" };

export default async function DashboardPage() {
  // The authoritative check, on the server: no session, no dashboard.
  if (!(await getSession())) redirect("/sign-in");

  void api.session.me.prefetch();

  return (
    <HydrateClient>
      <main>
        <h1>Dashboard</h1>
        <Profile />
      </main>
    </HydrateClient>
  );
}
