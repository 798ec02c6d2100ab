import type { ProbeResult } from "./verify.ts";

/** A plain-text table of probe results, one line per platform, for a terminal. */
export function formatVerifyTable(results: ProbeResult[]): string {
  const head = ["platform", "status", "reachable", "fhir", "ms", "smart", "pkce", "note"];
  const rows = results.map((r) => [
    r.id,
    r.status ?? "",
    r.skipped ? "skipped" : r.reachable ? "yes" : "no",
    r.fhir_version ?? "",
    r.response_ms === undefined ? "" : String(r.response_ms),
    r.smart_capabilities.length ? String(r.smart_capabilities.length) : "",
    r.pkce_methods.join(","),
    (r.skipped ?? r.metadata?.error ?? "").slice(0, 60),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** Counts for the last line of a report. */
export function summarizeVerify(results: ProbeResult[]): {
  probed: number;
  reachable: number;
  unreachable: number;
  skipped: number;
} {
  const skipped = results.filter((r) => r.skipped).length;
  const reachable = results.filter((r) => r.reachable).length;
  return {
    probed: results.length - skipped,
    reachable,
    unreachable: results.length - skipped - reachable,
    skipped,
  };
}
