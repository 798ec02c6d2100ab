import { readFile, rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mainCommands as runtimes, patientPeer } from "../http/_edge-app.ts";
import type { StaticPeer } from "../peers/static-server.ts";
import { root, type StartedGateway, startGateway, stop } from "../smoke/_gateway.ts";

// Issue 12: audit lines are queued and written in batches, off the request. A normal stop
// (SIGTERM) must still write every line, to stdout and to FHIR_GATEWAY_AUDIT_FILE: the real
// entry point (src/main.ts) is stopped right after its last answer, while those lines wait.
let peer: StaticPeer;
beforeAll(async () => {
  peer = await patientPeer();
});
afterAll(() => peer?.close());

const reads = 25;

describe.each(Object.keys(runtimes) as Array<keyof typeof runtimes>)("under %s", (runtime) => {
  let gw: StartedGateway | undefined;
  afterAll(async () => {
    if (gw) await stop(gw.child);
    if (gw) await rm(`${root}${gw.dataDir}`, { recursive: true, force: true });
  });

  it(
    "SIGTERM right after the last answer loses no audit line, on stdout or in the file",
    async () => {
      const dir = `data/audit-shutdown-${runtime}-${process.pid}`;
      gw = await startGateway({ command: [...runtimes[runtime]] }, {
        FHIR_GATEWAY_HOST: "127.0.0.1",
        FHIR_GATEWAY_STORE: "memory",
        FHIR_GATEWAY_AUTH_MODE: "open",
        FHIR_GATEWAY_PLATFORM_LOCAL_FHIR_BASE_URL: `${peer.url}/fhir`,
        FHIR_GATEWAY_AUDIT_FILE: `./${dir}/audit.jsonl`,
        FHIR_GATEWAY_LOG_LEVEL: "warn",
      }, `audit-${runtime}`);
      await Promise.all(
        Array.from({ length: reads }, async (_, i) => {
          const res = await fetch(`${gw!.url}/api/fhir/local/Patient/p${i}`);
          expect(res.status).toBe(200);
          await res.arrayBuffer();
        }),
      );
      await stop(gw.child);
      expect(gw.child.exitCode).toBe(0);
      // "exit" can come before the last lines are read from the pipe.
      await gw.ended;
      const fhirLines = (text: string) =>
        text.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l))
          .filter((l) => l.type === "audit" && l.action === "fhir");
      const ids = (lines: Array<{ resource_id: string }>) => lines.map((l) => l.resource_id).sort();
      const expected = Array.from({ length: reads }, (_, i) => `p${i}`).sort();
      expect(ids(fhirLines(gw.output.join("")))).toEqual(expected);
      expect(ids(fhirLines(await readFile(`${root}${dir}/audit.jsonl`, "utf8")))).toEqual(expected);
      await rm(`${root}${dir}`, { recursive: true, force: true });
    },
    90_000,
  );
});
