/** Resident memory of another process, from /proc/<pid>/status (Linux). */
import { readFileSync } from "node:fs";

/** VmRSS in bytes from the text of /proc/<pid>/status. */
export function parseVmRss(status: string): number {
  const m = status.match(/^VmRSS:\s+(\d+)\s+kB/m);
  if (!m) throw new Error("no VmRSS line");
  return Number(m[1]) * 1024;
}

/** The process's current RSS in bytes. */
export function rssOf(pid: number): number {
  return parseVmRss(readFileSync(`/proc/${pid}/status`, "utf8"));
}

/** Samples `pid`'s RSS every `everyMs` until stopped; `stop()` returns the peak in bytes. */
export function sampleRss(pid: number, everyMs = 10): { stop(): number } {
  let peak = rssOf(pid);
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rssOf(pid));
    } catch {
      // the process ended; keep the peak seen
    }
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      try {
        peak = Math.max(peak, rssOf(pid));
      } catch {
        // as above
      }
      return peak;
    },
  };
}
