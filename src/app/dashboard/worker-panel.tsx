"use client";

import { useQuery } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { useEffect, useState } from "react";

import { workerErrorMessage } from "~/worker-client/worker-client";
import { api } from "~/trpc/react";
import { useWorkerClient } from "~/trpc/worker";
import type { WorkerRouter } from "~/contract/worker-router";
import { RETRY_WHILE_FAILING_MS, refetchWhileFailing } from "./retry-while-failing";
import spacing from "./spacing.module.css";

type Whoami = inferRouterOutputs<WorkerRouter>["whoami"];

export function WorkerPanel({ workerUrl, sessionId }: { workerUrl: string; sessionId: string }) {
  const viaWeb = api.worker.whoami.useQuery(undefined, { retry: false, refetchInterval: refetchWhileFailing });

  const worker = useWorkerClient(workerUrl, sessionId);
  const direct = useQuery({
    queryKey: ["worker-direct", "whoami", workerUrl, sessionId],
    queryFn: () => worker.whoami.query(),
    retry: false,
    refetchInterval: refetchWhileFailing,
  });

  return (
    <>
      <div className="grid">
        <WhoamiCard
          testId="via-web"
          title="Worker, through the web tier"
          path="browser → Next.js tRPC → worker"
          sessionId={sessionId}
          data={viaWeb.data}
          error={viaWeb.error ? viaWeb.error.message : null}
          fetching={viaWeb.isFetching}
          onRefresh={() => void viaWeb.refetch()}
        />
        <WhoamiCard
          testId="direct"
          title="Worker, straight from the browser"
          path={`browser → ${workerUrl}`}
          sessionId={sessionId}
          data={direct.data}
          error={direct.error ? workerErrorMessage(direct.error, workerUrl) : null}
          fetching={direct.isFetching}
          onRefresh={() => void direct.refetch()}
        />
      </div>
      <TextStatsCard />
    </>
  );
}

function WhoamiCard(props: {
  testId: string;
  title: string;
  path: string;
  sessionId: string;
  data: Whoami | undefined;
  error: string | null;
  fetching: boolean;
  onRefresh: () => void;
}) {
  const { data, error } = props;
  return (
    <section className="card" aria-label={props.title} data-testid={props.testId}>
      <h2>{props.title}</h2>
      <p className="muted small">{props.path}</p>
      {error ? (
        <p className="error" role="alert" data-testid={`${props.testId}-error`}>
          {error} Trying again every {RETRY_WHILE_FAILING_MS / 1000} s.
        </p>
      ) : !data ? (
        <p className="muted">Calling the worker…</p>
      ) : (
        <dl>
          <dt>User id</dt>
          <dd data-testid={`${props.testId}-user-id`}>{data.userId}</dd>
          <dt>Email</dt>
          <dd data-testid={`${props.testId}-email`}>{data.email}</dd>
          <dt>Session id</dt>
          <dd data-testid={`${props.testId}-session-id`}>
            {data.sessionId} {data.sessionId === props.sessionId ? "✓" : "(not this session!)"}
          </dd>
          <dt>Token expires</dt>
          <dd>
            <Countdown until={data.tokenExpiresAt} />
          </dd>
        </dl>
      )}
      <div className={`actions ${spacing.gap}`}>
        <button type="button" className="secondary" onClick={props.onRefresh} disabled={props.fetching}>
          {props.fetching ? "Calling…" : "Call again"}
        </button>
      </div>
    </section>
  );
}

function Countdown({ until }: { until: number }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  const left = Math.max(0, Math.round((until - now) / 1000));
  const minutes = Math.floor(left / 60);
  const seconds = String(left % 60).padStart(2, "0");
  return (
    <time dateTime={new Date(until).toISOString()} data-testid="token-countdown">
      {left > 0 ? `in ${minutes}:${seconds}` : "expired"} ({new Date(until).toLocaleTimeString()})
    </time>
  );
}

function TextStatsCard() {
  const [text, setText] = useState("");
  const analyse = api.worker.textStats.useMutation();
  const stats = analyse.data;

  return (
    <section className="card" aria-label="Text statistics">
      <h2>Text statistics</h2>
      <p className="muted small">Computed by the worker, called through the web tier.</p>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          analyse.mutate({ text });
        }}
      >
        <label>
          Document
          <textarea
            value={text}
            onChange={(event) => setText(event.target.value)}
            rows={6}
            placeholder="Paste some text…"
          />
        </label>
        <div className="actions">
          <button type="submit" disabled={analyse.isPending}>
            {analyse.isPending ? "Analysing…" : "Analyse"}
          </button>
        </div>
      </form>
      {analyse.error && (
        <p className={`error ${spacing.gap}`} role="alert">
          {analyse.error.message}
        </p>
      )}
      {stats && (
        <dl className={spacing.gap} data-testid="text-stats">
          <dt>Characters</dt>
          <dd>{stats.characters.toLocaleString()}</dd>
          <dt>Words</dt>
          <dd data-testid="text-stats-words">{stats.words.toLocaleString()}</dd>
          <dt>Unique words</dt>
          <dd>{stats.uniqueWords.toLocaleString()}</dd>
          <dt>Lines</dt>
          <dd>{stats.lines.toLocaleString()}</dd>
          <dt>Sentences</dt>
          <dd>{stats.sentences.toLocaleString()}</dd>
          <dt>Top terms</dt>
          <dd>{stats.topTerms.length ? stats.topTerms.map((t) => `${t.term} (${t.count})`).join(", ") : "—"}</dd>
        </dl>
      )}
    </section>
  );
}
