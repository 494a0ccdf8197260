/**
 * The web tier and the worker run as one application (`npm run dev`,
 * `npm start`), supervised by concurrently:
 * - a process that fails — a non-zero exit code, or killed by a signal — is
 *   started again after RESTART_DELAY_MS, and the other keeps running (the
 *   dashboard says the worker is unavailable meanwhile);
 * - Ctrl-C or SIGTERM stops both, and so does one exiting cleanly or on
 *   SIGINT (Ctrl-C reaching it first);
 * - every exit is logged with its code or signal, so nothing stops unexplained.
 * Why concurrently, and why a fixed delay: docs/decisions/0007-concurrently-runs-both-processes.md.
 */
import { Command, createConcurrently, KillOthers, Logger, RestartProcess, type FlowController } from "concurrently";
// A command's events are rxjs streams, and concurrently's own flow controllers
// transform them with these operators: the same rxjs as concurrently's.
import { map, share } from "rxjs";

const RESTART_DELAY_MS = 1_000;

export interface ProcessSpec {
  name: string;
  /** Arguments to this Node binary. */
  args: string[];
  env?: Record<string, string | undefined>;
}

/** Runs `processes` until they have all ended; resolves with this process's exit code. */
export async function runProcesses(launcher: string, processes: ProcessSpec[]): Promise<number> {
  // Output passes through untouched (pino's JSON lines stay JSON) and
  // concurrently's own event lines are off: stopAsOne logs each exit.
  const logger = new Logger({ raw: true });
  const { result } = createConcurrently(
    processes.map(({ name, args, env }) => ({
      name,
      // `exec`: the shell concurrently starts becomes the process, so signals
      // reach it and its own exit code is what concurrently sees.
      command: `exec ${[process.execPath, ...args].map(shellQuote).join(" ")}`,
      env,
    })),
    {
      raw: true,
      controllers: [
        stopAsOne(launcher),
        new RestartProcess({ logger, delay: RESTART_DELAY_MS, tries: -1 }),
        new KillOthers({ logger, conditions: ["success"], killSignal: "SIGTERM" }),
      ],
    },
  );
  try {
    await result;
    return 0;
  } catch {
    return 1;
  }
}

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/**
 * Once the application is stopping — this process got a signal, which goes on
 * to each process, or one process exited cleanly — every exit counts as clean,
 * so nothing is restarted on the way down. (Next.js exits 143 on SIGTERM, and
 * concurrently's own signal handling treats only SIGINT that way.)
 */
function stopAsOne(launcher: string): FlowController {
  return {
    handle(commands) {
      let stopping = false;
      const stop = (signal: NodeJS.Signals) => {
        if (!stopping)
          console.error(`${launcher}: ${signal}, stopping ${commands.map((command) => command.name).join(" and ")}`);
        stopping = true;
        for (const command of commands) if (Command.canKill(command)) command.kill(signal);
      };
      for (const signal of SIGNALS) process.on(signal, stop);

      const proxies = commands.map((command) => {
        const close = command.close.pipe(
          map((event) => {
            const how = typeof event.exitCode === "number" ? `with code ${event.exitCode}` : `on ${event.exitCode}`;
            // Ctrl-C reaches every process of the terminal's group at once: a
            // child can be gone before this process has handled its own
            // SIGINT, and must not be taken for one that crashed.
            const stops = event.exitCode === 0 || event.exitCode === "SIGINT";
            const next = stopping
              ? ""
              : stops
                ? "; stopping the others"
                : `; starting it again in ${RESTART_DELAY_MS / 1000} s`;
            console.error(`${launcher}: ${command.name} exited ${how}${next}`);
            if (stops) stopping = true;
            return stopping ? { ...event, exitCode: 0 } : event;
          }),
          // One mapping (and one log line) per exit, however many controllers listen.
          share(),
        );
        return new Proxy(command, {
          get: (target, property) => (property === "close" ? close : (Reflect.get(target, property) as unknown)),
        });
      });
      return {
        commands: proxies,
        onFinish: () => {
          for (const signal of SIGNALS) process.off(signal, stop);
        },
      };
    },
  };
}

function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}
