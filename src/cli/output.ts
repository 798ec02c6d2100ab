import { stderrIsTerminal, writeErr, writeOut } from "./_io.ts";

/** Prints one line on stdout. */
export function line(text = ""): void {
  writeOut(`${text}\n`);
}

/** Prints one line on stderr (warnings, progress in plain mode, errors). */
export function note(text: string): void {
  writeErr(`${text}\n`);
}

/** Prints `data` as indented JSON on stdout (the `--json` form of every data command). */
export function printJson(data: unknown): void {
  writeOut(`${JSON.stringify(data, null, 2)}\n`);
}

/** Rows as aligned columns; the first row is the header. */
export function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("  ").trimEnd())
    .join("\n");
}

/** Reports progress of `total` steps: a bar on a terminal, plain lines otherwise. */
export interface Progress {
  /** One step done; `label` says which (a platform id) and `detail` how it went. */
  step(label: string, detail?: string): void;
  done(): void;
}

/**
 * A progress reporter on stderr (stdout stays clean for data). On a terminal it redraws
 * one bar line; piped or in CI it prints `n/total label detail` per step.
 */
export function progress(total: number, options: { terminal?: boolean } = {}): Progress {
  const terminal = options.terminal ?? stderrIsTerminal();
  let n = 0;
  const width = 30;
  return {
    step(label, detail) {
      n++;
      if (!terminal) {
        note(`${n}/${total} ${label}${detail ? ` ${detail}` : ""}`);
        return;
      }
      const filled = total === 0 ? width : Math.round((n / total) * width);
      const bar = "#".repeat(filled) + "-".repeat(width - filled);
      writeErr(`\r\x1b[2K[${bar}] ${n}/${total} ${label.slice(0, 40)}`);
    },
    done() {
      if (terminal) writeErr("\r\x1b[2K");
    },
  };
}
