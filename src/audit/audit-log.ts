import type { AuditEvent } from "./events.ts";

/** Where audit events go. `record` never throws and never waits: auditing cannot fail a call. */
export interface AuditLog {
  record(event: AuditEvent): void;
  /** Flushes and closes file sinks. */
  close(): Promise<void>;
}

/** Receives each audit line (one JSON object, no newline). */
export type AuditSink = (line: string) => void;

/** Options of createAuditLog. */
export interface AuditLogOptions {
  sinks: AuditSink[];
  /** Clock in epoch milliseconds (tests inject one). */
  now?: () => number;
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
    close: () => options.onClose?.() ?? Promise.resolve(),
  };
}

/** The JSON line for an event, or undefined for an unknown action. */
export function toAuditLine(event: AuditEvent, at: number): string | undefined {
  if (!actions.has(event.action)) return undefined;
  const out: Record<string, unknown> = { time: new Date(at).toISOString(), type: "audit" };
  const fields = event as unknown as Record<string, unknown>;
  for (const [field, name] of Object.entries(names)) {
    const value = fields[field];
    if (value === undefined) continue;
    if (field === "action") out[name] = value;
    else if (field === "status") out[name] = validStatus(value) ? value : "(invalid)";
    else out[name] = typeof value === "string" && rules[field]!.test(value) ? value : "(invalid)";
  }
  if (event.action === "fhir") {
    out.outcome = validStatus(event.status) && event.status < 400 ? "success" : "failure";
  }
  if (event.action === "refusal") out.outcome = "failure";
  return JSON.stringify(out);
}

function validStatus(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 100 && value <= 599;
}

/** An audit log that drops every event. */
export const noAudit: AuditLog = { record() {}, close: () => Promise.resolve() };
