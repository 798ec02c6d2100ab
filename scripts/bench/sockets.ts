/** Upstream connections seen by `ss` (iproute2): kept-alive ones and closed ones. */
import { execFileSync } from "node:child_process";

/** Established TCP connections process `pid` holds to 127.0.0.1:`port`. */
export function establishedTo(pid: number, port: number): number {
  const out = ss(["-Htnp", "state", "established", "dst", `127.0.0.1:${port}`]);
  return out.split("\n").filter((l) => l.includes(`pid=${pid},`)).length;
}

/** Connections to `port` in TIME-WAIT (closed recently, by anyone). */
export function timeWaitTo(port: number): number {
  return ss(["-Htn", "state", "time-wait", "dst", `127.0.0.1:${port}`]).split("\n")
    .filter((l) => l.trim()).length;
}

function ss(args: string[]): string {
  try {
    return execFileSync("ss", args, { encoding: "utf8" });
  } catch {
    return "";
  }
}
