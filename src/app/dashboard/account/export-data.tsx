"use client";

import { useState } from "react";

import { errorMessage } from "~/contract/error-message";
import { useWorkerHttp } from "~/trpc/worker";
import { exportAccount } from "~/worker-client/export-account";
import { FormAlert } from "~/app/_components/form-parts";

/** "Export my data": the profile and every original, one ZIP streamed by the worker and saved as a download. */
export function ExportData({ workerUrl, sessionId }: { workerUrl: string; sessionId: string }) {
  const http = useWorkerHttp(workerUrl, sessionId);
  const [state, setState] = useState<{ pending: boolean; done: boolean; failure: string | null }>({
    pending: false,
    done: false,
    failure: null,
  });

  async function onExport() {
    setState({ pending: true, done: false, failure: null });
    try {
      await exportAccount(http);
      setState({ pending: false, done: true, failure: null });
    } catch (error) {
      setState({ pending: false, done: false, failure: errorMessage(error) });
    }
  }

  return (
    <section className="card" aria-label="Export my data">
      <h2>Export my data</h2>
      <p>
        One ZIP file with your profile (profile.json) and every document you uploaded, as you uploaded it. Download it
        before deleting the account.
      </p>
      <FormAlert message={state.failure} />
      {state.done && <p role="status">Your export was saved to your downloads.</p>}
      <div className="actions">
        <button type="button" onClick={() => void onExport()} disabled={state.pending}>
          {state.pending ? "Preparing the download…" : "Download my data (.zip)"}
        </button>
      </div>
    </section>
  );
}
