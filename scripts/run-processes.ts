/**
 * The web tier and the worker run as one application (`npm run dev`,
 * `npm start`), supervised by concurrently:
 * - a process that fails — a non-zero exit code, or killed by a signal — is
 *   started again after RESTART_DELAY_MS, and the others keep running (the
 *   dashboard says the worker is unavailable meanwhile);
 * - one that exits cleanly ends the others, and Ctrl-C or SIGTERM ends all;
 * - every exit is logged with its code or signal, so nothing stops unexplained.
 * Resolves with the exit code for this process once all of them have ended.
 *
 * Why a fixed delay rather than concurrently's "exponential" one: that never
 * resets after a healthy run and has no ceiling, so a worker that crashed ten
 * times in a month would wait 17 minutes. See docs/decisions/.
 */
import { concurrently } from "concurrently";

export const RESTART_DELAY_MS = 1_000;

export interface ProcessSpec {
  name: string;
  /** Arguments to this Node binary. */
  args: string[];
  env?: Record<string, string | undefined>;
}

export async function runProcesses(launcher: string, processes: ProcessSpec[]): Promise<number> {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    stopping = true;
    console.error(`${launcher}: ${signal}, stopping ${processes.map((p) => p.name).join(" and ")}`);
  };
  process.once("SIGINT", onSignal).once("SIGTERM", onSignal);

  const { commands, result } = concurrently(
    processes.map(({ name, args, env }) => ({
      name,
      // `exec`: the shell concurrently starts becomes the process, so signals
      // reach it and its own exit code is what concurrently sees.
      command: `exec ${[process.execPath, ...args].map(shellQuote).join(" ")}`,
      env,
    })),
    {
      // Output passes through untouched: the processes' JSON log lines stay JSON.
      raw: true,
      restartTries: -1,
      restartDelay: RESTART_DELAY_MS,
      killOthersOn: ["success", "failure"],
    },
  );
  for (const command of commands) {
    command.close.subscribe(({ exitCode }) => {
      const how = typeof exitCode === "number" ? `with code ${exitCode}` : `on ${exitCode}`;
      const next = stopping ? "" : exitCode === 0 ? "; stopping the others" : `; starting it again in ${RESTART_DELAY_MS / 1000} s`;
      console.error(`${launcher}: ${command.name} exited ${how}${next}`);
    });
  }
  try {
    await result;
    return 0;
  } catch {
    return 1;
  }
}

function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}
