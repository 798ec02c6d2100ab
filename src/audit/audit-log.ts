import type { AuditEvent } from "./events.ts";

/** Where audit events go. `record` never throws and never waits: auditing cannot fail a call. */
export interface AuditLog {
  record(event: AuditEvent): void;
  /** Resolves once every event recorded before the call has reached its sinks. */
  flush(): Promise<void>;
  /** Flushes, then closes file sinks. */
  close(): Promise<void>;
}

/** Receives each audit line (one JSON object, no newline). */
export type AuditSink = (line: string) => void;

/** Options of createAuditLog. */
export interface AuditLogOptions {
  sinks: AuditSink[];
  /** Clock in epoch milliseconds (tests inject one). */
  now?: () => number;
  /** Called by flush(): resolves once the sinks have written what they were given. */
  onFlush?: () => Promise<void>;
  /** Called by close(), e.g. to close a file. */
  onClose?: () => Promise<void>;
}

/** Which fields each value may be written as; a value that fails its rule becomes "(invalid)". */
const rules: Record<string, RegExp> = {
  session: /^(?:[0-9a-f]{12}|anonymous)$/,
  requestId: /^[A-Za-z0-9._:=-]{1,128}$/,
  stage: /^(?:start|complete)$/,
  platform: /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/,
  outcome: /^(?:success|failure)$/,
  reason: /^[a-z][a-z0-9_]{0,63}$/,
  interaction: /^[a-z][a-z-]{0,31}$/,
  resourceType: /^[A-Z][A-Za-z]{0,63}$/,
  id: /^(?!\.+$)[A-Za-z0-9\-.]{1,64}$/,
  operation: /^\$?[A-Za-z][A-Za-z0-9_-]{0,63}$/,
  face: /^(?:rest|mcp)$/,
  route: /^\/[\x21-\x7e]{0,199}$|^\(none\)$/,
  bucket: /^[a-z][a-z0-9_]{0,31}$/,
  client: /^[0-9a-f:.]{1,45}$|^unknown$/,
};

/** Output names (snake_case, like the log lines), in the order they are written. */
const names: Record<string, string> = {
  action: "action",
  stage: "stage",
  outcome: "outcome",
  reason: "reason",
  platform: "platform",
  session: "session",
  interaction: "interaction",
  resourceType: "resource_type",
  id: "resource_id",
  operation: "operation",
  status: "status",
  face: "face",
  route: "route",
  bucket: "bucket",
  client: "client",
  requestId: "request_id",
};

const actions = new Set(["login", "refresh", "revocation", "fhir", "refusal"]);
/** [field, output name, rule] in output order, built once. */
const fieldList = Object.entries(names).map(([field, name]) =>
  [field, name, rules[field]] as const
);

/**
 * An audit log writing one JSON line per event to every sink. Only the fields the event
 * types name are written, each checked against its rule, so a caller passing a session id,
 * a query value or free text by mistake writes "(invalid)", never the value.
 */
export function createAuditLog(options: AuditLogOptions): AuditLog {
  const now = options.now ?? Date.now;
  return {
    record(event) {
      try {
        const line = toAuditLine(event, now());
        if (!line) return;
        for (const sink of options.sinks) sink(line);
      } catch {
        // A failing sink must not fail the request that is being audited.
      }
    },
    flush: () => options.onFlush?.() ?? Promise.resolve(),
    close: () => options.onClose?.() ?? Promise.resolve(),
  };
}

/**
 * The JSON line for an event, or undefined for an unknown action. Written as text, field by
 * field (one per request on the FHIR path): every value is a checked code, id or number.
 */
export function toAuditLine(event: AuditEvent, at: number): string | undefined {
  if (!actions.has(event.action)) return undefined;
  // fhir and refusal lines carry an outcome derived from the event, not the caller's.
  const outcome = event.action === "fhir"
    ? validStatus(event.status) && event.status < 400 ? "success" : "failure"
    : event.action === "refusal"
    ? "failure"
    : undefined;
  let line = `{"time":"${isoTime(at)}","type":"audit"`;
  let outcomeWritten = false;
  const fields = event as unknown as Record<string, unknown>;
  for (const [field, name, rule] of fieldList) {
    const value = fields[field];
    if (value === undefined) continue;
    let text: string;
    if (field === "action") text = `"${value}"`;
    else if (field === "status") text = validStatus(value) ? String(value) : `"(invalid)"`;
    else if (field === "outcome" && outcome !== undefined) {
      text = `"${outcome}"`;
      outcomeWritten = true;
    } else if (typeof value === "string" && rule!.test(value)) {
      // Only a route may hold a quote or a backslash; every other rule admits neither.
      text = field === "route" ? JSON.stringify(value) : `"${value}"`;
    } else text = `"(invalid)"`;
    line += `,"${name}":${text}`;
  }
  if (outcome !== undefined && !outcomeWritten) line += `,"outcome":"${outcome}"`;
  return `${line}}`;
}

let isoSecond = Number.NaN;
let isoPrefix = "";
/** `new Date(at).toISOString()`, with the part up to the second formatted once per second. */
function isoTime(at: number): string {
  const ms = Math.floor(at);
  if (!(ms >= 0 && ms < 253_402_300_800_000)) return new Date(at).toISOString();
  const second = ms - (ms % 1000);
  if (second !== isoSecond) {
    isoSecond = second;
    isoPrefix = new Date(second).toISOString().slice(0, 19);
  }
  const milli = ms - second;
  return `${isoPrefix}.${milli < 10 ? "00" : milli < 100 ? "0" : ""}${milli}Z`;
}

function validStatus(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 100 && value <= 599;
}

/** An audit log that drops every event. */
export const noAudit: AuditLog = {
  record() {},
  flush: () => Promise.resolve(),
  close: () => Promise.resolve(),
};
