/**
 * How the bench scripts print: one plain-text table, numbers in the same
 * units everywhere, and the machine they were measured on.
 */
import os from "node:os";

/** Plain-text columns, each as wide as its widest cell. */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? "").length)));
  return rows
    .map((row) =>
      widths
        .map((width, column) => (row[column] ?? "").padEnd(width))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

export function ms(value: number): string {
  return `${value.toFixed(2)} ms`;
}

export function seconds(milliseconds: number): string {
  return `${(milliseconds / 1000).toFixed(1)} s`;
}

export function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function percent(share: number | undefined): string {
  return share === undefined ? "n/a" : `${Math.round(share * 100)}%`;
}

export function verdict(ok: boolean): string {
  return ok ? "PASS" : "MISS";
}

/** The line that says what the numbers were measured on, and how busy it was at the end (other work skews them). */
export function machine(): string {
  const cpu = os.cpus();
  const load = os
    .loadavg()
    .map((average) => average.toFixed(2))
    .join(" ");
  return `Machine: ${cpu.length} CPUs, ${cpu[0]?.model.trim() ?? "unknown model"}, ${os.type()} ${os.release()}, Node ${process.version}, load average ${load}`;
}

/** What a run records about itself, at its start and again at its end: the date, then machine(). */
export function runHeader(now = new Date()): string {
  return `Run: ${now.toISOString()}\n${machine()}`;
}
