import { redirect } from "next/navigation";

import { browserWorkerUrl } from "~/server/browser-worker-url";
import { getSession } from "~/server/session";
import { DocumentsSection } from "./documents/documents-section";
import { loadDocuments } from "./documents/load-documents";
import { Profile } from "./profile";
import { VerifyBanner } from "./verify-banner";
import { WorkerPanel } from "./worker-panel";

export const metadata = { title: "Dashboard · Typed Worker Stack" };

export default async function DashboardPage() {
  // The authoritative check, on the server: no session, no dashboard.
  const session = await getSession();
  if (!session) redirect("/sign-in");

  // What the profile shows comes from that read, as props: a tRPC prefetch
  // of the same data cost a caller, a query cache and its dehydration on every
  // render (npm run bench, (f)). The documents list, likewise, is one worker
  // call whose answer goes down as a prop.
  const { user } = session;
  const workerUrl = browserWorkerUrl();
  const documents = await loadDocuments(session);
  return (
    <main className="wide">
      <h1>Dashboard</h1>
      {!user.emailVerified && <VerifyBanner email={user.email} />}
      <Profile
        user={{ id: user.id, name: user.name, email: user.email }}
        sessionExpiresAt={session.session.expiresAt}
      />
      <DocumentsSection workerUrl={workerUrl} sessionId={session.session.id} initial={documents} />
      <WorkerPanel workerUrl={workerUrl} sessionId={session.session.id} />
    </main>
  );
}
