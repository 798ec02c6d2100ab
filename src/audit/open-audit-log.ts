import type { Logger } from "../log.ts";
import { type AppendFile, openAppendFile } from "../runtime/append-file.ts";
import { type AuditLog, type AuditSink, createAuditLog } from "./audit-log.ts";

/** Settings of the audit log (src/config.ts). */
export interface AuditSettings {
  /** Write audit lines to stdout (default true). */
  auditStdout: boolean;
  /** Also append them to this file (FHIR_GATEWAY_AUDIT_FILE). */
  auditFile?: string;
}

/**
 * The gateway's audit log: one JSON line per event on stdout (apart from the leveled log, so
 * FHIR_GATEWAY_LOG_LEVEL cannot silence it) and, when configured, appended to a file. A file
 * that cannot be opened or written is reported on the log (once per failure streak) and
 * the lines still reach stdout.
 */
export function openAuditLog(
  settings: AuditSettings,
  log: Logger,
  options: { stdout?: AuditSink; now?: () => number } = {},
): AuditLog {
  const sinks: AuditSink[] = [];
  if (settings.auditStdout) sinks.push(options.stdout ?? ((line) => console.log(line)));
  let file: Promise<AppendFile | undefined> | undefined;
  if (settings.auditFile) {
    const path = settings.auditFile;
    let failing = false;
    const failed = (err: unknown) => {
      if (!failing) log.error("audit file write failed", { file: path, error: String(err) });
      failing = true;
    };
    file = openAppendFile(path).catch((err) => (failed(err), undefined));
    const opened = file;
    sinks.push((line) => {
      void opened.then((f) => f?.append(line).then(() => (failing = false), failed));
    });
  }
  return createAuditLog({
    sinks,
    now: options.now,
    onClose: async () => await (await file)?.close(),
  });
}
