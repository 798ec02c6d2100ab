import type { LogLevel } from "./config.ts";

const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

/** Structured fields of a log line. */
export type LogFields = Record<string, unknown>;

/** A leveled logger writing one JSON object per line. */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /**
   * Whether lines at `level` are written. A hot path asks once and builds no fields at all
   * when they would be dropped (the level methods below the level are already no-ops).
   */
  enabled(level: Exclude<LogLevel, "silent">): boolean;
}

/** Field names whose values are never written, whatever they hold. */
const secretKeys =
  /(token|secret|password|authorization|cookie|code_verifier|^code$|assertion|key)/i;

/** Replaces secret-looking fields with "[redacted]", recursively. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 5 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = secretKeys.test(k) ? "[redacted]" : redact(v, depth + 1);
  }
  return out;
}

/**
 * Masks secrets that arrive inside free text (an upstream or plugin error message): JWTs and
 * whatever follows "Bearer". Field names are handled by redact(); this is the second net.
 */
export function scrubSecrets(text: string): string {
  return text
    .replace(/eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g, "[redacted-jwt]")
    .replace(/(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi, "$1[redacted]");
}

/** Where log lines go; tests capture them to prove no secret is written. */
export type LogSink = (line: string, level: LogLevel) => void;

const consoleSink: LogSink = (line, level) => {
  if (level === "error" || level === "warn") console.error(line);
  else console.log(line);
};

const noop = () => {};

/**
 * Creates a logger that drops lines below `level`: those methods are one shared no-op, so a
 * dropped line costs no redaction, no JSON and no timestamp (only the caller's arguments).
 */
export function createLogger(level: LogLevel, sink: LogSink = consoleSink): Logger {
  const enabled = (lvl: LogLevel) => order[lvl] >= order[level];
  const writer = (lvl: Exclude<LogLevel, "silent">) => {
    if (!enabled(lvl)) return noop;
    return (msg: string, fields?: LogFields) => {
      const line = JSON.stringify({
        time: new Date().toISOString(),
        level: lvl,
        msg,
        ...(fields ? (redact(fields) as LogFields) : {}),
      });
      sink(scrubSecrets(line), lvl);
    };
  };
  return {
    debug: writer("debug"),
    info: writer("info"),
    warn: writer("warn"),
    error: writer("error"),
    enabled,
  };
}

/** A logger that writes nothing. */
export const silentLogger: Logger = createLogger("silent");
