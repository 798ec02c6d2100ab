import type { Logger } from "../log.ts";
import { type AppendFile, openAppendFile } from "../runtime/append-file.ts";
import { type AuditLog, createAuditLog } from "./audit-log.ts";
import { createLineBatch, type LineBatch } from "./_line-batch.ts";

/** Settings of the audit log (src/config.ts). */
export interface AuditSettings {
  /** Write audit lines to stdout (default true). */
  auditStdout: boolean;
  /** Also append them to this file (FHIR_GATEWAY_AUDIT_FILE). */
  auditFile?: string;
}

/** Options of openAuditLog: test seams. */
export interface OpenAuditLogOptions {
  /** Writes a batch of lines (joined by "\n", no final newline) to stdout; default console.log. */
  stdout?: (text: string) => void | Promise<void>;
  now?: () => number;
  /** Bound of each sink's queue in characters (default 4 MiB worth); see createLineBatch. */
  maxQueuedChars?: number;
}

/**
 * The gateway's audit log: one JSON line per event on stdout (apart from the leveled log, so
 * FHIR_GATEWAY_LOG_LEVEL cannot silence it) and, when configured, appended to a file.
 *
 * Lines are not written by the request that records them: each sink queues them and writes
 * every line recorded since its last write in one call on the next macrotask. A sink that
 * falls behind (a slow file system, a blocked pipe) holds at most `maxQueuedChars`; lines
 * past that are dropped and counted, and the count is reported on the log at error level
 * once the sink writes again (auditing never slows or fails the call it audits, and never
 * grows memory without bound). flush() resolves once everything recorded is written; close()
 * flushes, closes the file and from then on writes each stdout line at once, so requests
 * still finishing during shutdown are audited on stdout (the file is closed: such lines are
 * reported once on the log). A file that cannot be opened or written is reported on the log
 * (once per failure streak) and the lines still reach stdout.
 */
export function openAuditLog(
  settings: AuditSettings,
  log: Logger,
  options: OpenAuditLogOptions = {},
): AuditLog {
  const batches: LineBatch[] = [];
  const sinks: Array<(line: string) => void> = [];
  const dropped = (sink: string) => (count: number) =>
    log.error("audit lines dropped: the sink did not keep up", { sink, dropped: count });
  // From close() on, stdout lines are written at once and the file takes no more.
  let direct = false;
  let fileClosed = false;
  if (settings.auditStdout) {
    const write = options.stdout ?? ((text: string) => console.log(text));
    const stdout = createLineBatch({
      write,
      maxQueuedChars: options.maxQueuedChars,
      onDropped: dropped("stdout"),
      onError: () => {},
    });
    batches.push(stdout);
    sinks.push((line) => {
      if (!direct) stdout.push(line);
      else void write(line);
    });
  }
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
    const batch = createLineBatch({
      write: async (text) => {
        const f = await opened;
        if (!f) return;
        await f.append(text);
        failing = false;
      },
      maxQueuedChars: options.maxQueuedChars,
      onDropped: dropped("file"),
      onError: failed,
    });
    batches.push(batch);
    let lateLines = 0;
    sinks.push((line) => {
      if (!fileClosed) batch.push(line);
      else if (lateLines++ === 0) {
        log.warn("audit line recorded after the audit file was closed: on stdout only", {
          file: path,
        });
      }
    });
  }
  let closing: Promise<void> | undefined;
  const flush = async () => {
    await Promise.all(batches.map((b) => b.flush()));
  };
  return createAuditLog({
    sinks,
    now: options.now,
    onFlush: flush,
    // Once: a second close() waits for the first.
    onClose: () =>
      closing ??= (async () => {
        direct = true;
        // stdout's queue is written before any later line (the default writer is synchronous).
        await flush();
        fileClosed = true;
        await flush();
        await (await file)?.close();
      })(),
  });
}
