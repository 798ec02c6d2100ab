import { mkdir, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuditLog, toAuditLine } from "../../src/audit/audit-log.ts";
import type { AuditEvent } from "../../src/audit/events.ts";
import { openAuditLog } from "../../src/audit/open-audit-log.ts";
import { createLogger } from "../../src/log.ts";
import { json } from "../helpers/test-app.ts";
import { edgeApp, patientPeer } from "../http/_edge-app.ts";

const at = Date.UTC(2026, 11, 1, 12, 0, 0);
function capture() {
  const lines: string[] = [];
  const audit = createAuditLog({ sinks: [(l) => lines.push(l)], now: () => at });
  return { audit, lines, parsed: () => lines.map((l) => JSON.parse(l)) };
}

describe("audit log", () => {
  it("writes one JSON line per event with snake_case fields, the time and the outcome", () => {
    const { audit, parsed } = capture();
    audit.record({
      action: "fhir",
      platform: "epic",
      session: "a1b2c3d4e5f6",
      interaction: "read",
      resourceType: "Patient",
      id: "ea877536-55b1-4ec8-a12b-e95594214c01",
      status: 200,
      face: "mcp",
    });
    audit.record({
      action: "login",
      stage: "complete",
      platform: "epic:tenant-1",
      session: "a1b2c3d4e5f6",
      outcome: "failure",
      reason: "denied",
    });
    audit.record({
      action: "fhir",
      platform: "epic",
      session: "anonymous",
      interaction: "search",
      resourceType: "Observation",
      status: 401,
    });
    expect(parsed()).toEqual([
      {
        time: "2026-12-01T12:00:00.000Z",
        type: "audit",
        action: "fhir",
        platform: "epic",
        session: "a1b2c3d4e5f6",
        interaction: "read",
        resource_type: "Patient",
        resource_id: "ea877536-55b1-4ec8-a12b-e95594214c01",
        status: 200,
        face: "mcp",
        outcome: "success",
      },
      {
        time: "2026-12-01T12:00:00.000Z",
        type: "audit",
        action: "login",
        stage: "complete",
        outcome: "failure",
        reason: "denied",
        platform: "epic:tenant-1",
        session: "a1b2c3d4e5f6",
      },
      expect.objectContaining({ action: "fhir", status: 401, outcome: "failure" }),
    ]);
  });

  it("never writes a session id, token, query value or free text, whatever a caller passes", () => {
    const { audit, lines } = capture();
    const sessionId = "Xk3_9aQ2mV7pL0sT5wY8zB1cD4eF6gH2iJ0kL3mN5oP";
    const token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwYXRpZW50In0.c2lnbmF0dXJl";
    audit.record({
      action: "fhir",
      platform: "epic",
      session: sessionId,
      interaction: "search",
      resourceType: "Patient?name=Hermiston71",
      id: "../../metadata",
      status: 200,
      // Fields the event types do not name are dropped.
      ...{ query: "name=Hermiston71", token, headers: { authorization: `Bearer ${token}` } },
    } as AuditEvent);
    audit.record({
      action: "refresh",
      platform: "epic",
      session: "a1b2c3d4e5f6",
      outcome: "failure",
      reason: `invalid_grant: ${token}`,
    });
    const text = lines.join("\n");
    for (const secret of [sessionId, token, "Hermiston71", "metadata", "authorization"]) {
      expect(text).not.toContain(secret);
    }
    expect(JSON.parse(lines[0]!)).toMatchObject({
      session: "(invalid)",
      resource_type: "(invalid)",
      resource_id: "(invalid)",
    });
    expect(JSON.parse(lines[1]!)).toMatchObject({ reason: "(invalid)" });
  });

  it("ignores unknown actions and never throws from a failing sink", () => {
    const audit = createAuditLog({
      sinks: [() => {
        throw new Error("disk full");
      }],
    });
    expect(() => audit.record({ action: "refusal", reason: "rate_limited" })).not.toThrow();
    const { audit: ok, lines } = capture();
    ok.record({ action: "exfiltrate" } as unknown as AuditEvent);
    expect(lines).toEqual([]);
  });
});

describe("audit lines off the request path (issue 12)", () => {
  const event: AuditEvent = { action: "refusal", reason: "bad_origin", route: "/api/platforms" };
  /** A stdout whose writes wait until the test releases them. */
  function gatedStdout() {
    const writes: string[][] = [];
    let release!: () => void;
    let gate = new Promise<void>((r) => (release = r));
    return {
      writes,
      write: (text: string) => {
        writes.push(text.split("\n"));
        return gate;
      },
      open() {
        release();
        gate = Promise.resolve();
      },
    };
  }

  it("writes nothing while the request records, then every line recorded meanwhile in one write", async () => {
    const writes: string[] = [];
    const log = openAuditLog({ auditStdout: true }, createLogger("silent"), {
      stdout: (text) => void writes.push(text),
    });
    for (let i = 0; i < 3; i++) log.record(event);
    expect(writes).toEqual([]);
    await log.flush();
    expect(writes).toHaveLength(1);
    expect(writes[0]!.split("\n").map((l) => JSON.parse(l).reason)).toEqual([
      "bad_origin",
      "bad_origin",
      "bad_origin",
    ]);
    await log.close();
  });

  it("holds a bounded queue while stdout is blocked, drops the rest and reports how many", async () => {
    const errors: string[] = [];
    const stdout = gatedStdout();
    const line = toAuditLine(event, Date.now())!;
    const log = openAuditLog(
      { auditStdout: true },
      createLogger("debug", (l) => errors.push(l)),
      // Room for five lines while a write is in flight.
      { stdout: stdout.write, maxQueuedChars: line.length * 5 },
    );
    log.record(event);
    const first = log.flush(); // the first write starts and blocks
    for (let i = 0; i < 20; i++) log.record(event);
    expect(stdout.writes).toHaveLength(1);
    stdout.open();
    await first;
    expect(stdout.writes.map((w) => w.length)).toEqual([1, 5]);
    const dropped = errors.map((l) => JSON.parse(l)).filter((l) =>
      l.msg.startsWith("audit lines dropped")
    );
    expect(dropped).toEqual([
      expect.objectContaining({ level: "error", sink: "stdout", dropped: 15 }),
    ]);
    await log.close();
  });

  it("close() writes what is queued, and a line recorded after close goes to stdout at once", async () => {
    const writes: string[] = [];
    const log = openAuditLog({ auditStdout: true }, createLogger("silent"), {
      stdout: (text) => void writes.push(text),
    });
    log.record(event);
    log.record(event);
    await log.close();
    expect(writes.join("\n").split("\n")).toHaveLength(2);
    log.record(event);
    expect(writes.join("\n").split("\n")).toHaveLength(3);
  });

  it("writes the time to the millisecond and a route holding quotes as valid JSON", () => {
    const { audit, parsed } = capture();
    for (const t of [at + 7, at + 59_999, 0, -1, 253_402_300_800_000]) {
      const line = toAuditLine({ action: "refusal", reason: "bad_origin" }, t)!;
      expect(JSON.parse(line).time).toBe(new Date(t).toISOString());
    }
    audit.record({ action: "refusal", reason: "rate_limited", route: '/a"b\\c' });
    expect(parsed()[0]).toMatchObject({ route: '/a"b\\c', outcome: "failure" });
  });
});

describe("audit file (FHIR_GATEWAY_AUDIT_FILE)", () => {
  let dir: string;
  beforeAll(async () => {
    // A fresh clone has no ./data yet.
    await mkdir("./data", { recursive: true });
    dir = await mkdtemp("./data/audit-test-");
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("appends the lines to a file only its owner can read, besides stdout", async () => {
    const stdout: string[] = [];
    const file = `${dir}/sub/audit.jsonl`;
    const log = openAuditLog({ auditStdout: true, auditFile: file }, createLogger("silent"), {
      stdout: (text) => void stdout.push(...text.split("\n")),
    });
    log.record({
      action: "revocation",
      platform: "epic",
      session: "a1b2c3d4e5f6",
      outcome: "success",
      reason: "logout",
    });
    log.record({ action: "refusal", reason: "forged_handle", route: "/mcp" });
    await log.close();
    await log.close(); // a second close is harmless
    const written = (await readFile(file, "utf8")).trimEnd().split("\n");
    expect(written).toEqual(stdout);
    expect(written.map((l) => JSON.parse(l).action)).toEqual(["revocation", "refusal"]);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it("reports a file it cannot open once on the log, and keeps writing stdout", async () => {
    const errors: string[] = [];
    const stdout: string[] = [];
    const log = openAuditLog(
      { auditStdout: true, auditFile: dir }, // a directory cannot be opened for appending
      createLogger("debug", (l) => errors.push(l)),
      { stdout: (text) => void stdout.push(...text.split("\n")) },
    );
    log.record({ action: "refusal", reason: "bad_origin" });
    log.record({ action: "refusal", reason: "bad_origin" });
    await log.close();
    expect(stdout).toHaveLength(2);
    expect(errors.filter((l) => l.includes("audit file write failed"))).toHaveLength(1);
  });
});

describe("FHIR access audit through the core", () => {
  let peer: Awaited<ReturnType<typeof patientPeer>>;
  beforeAll(async () => {
    peer = await patientPeer();
  });
  afterAll(() => peer?.close());

  it("records one fhir event per read with platform, interaction, type, id and status, and no query value", async () => {
    const t = await edgeApp({ platforms: [{ id: "open", fhir_base_url: `${peer.url}/fhir` }] });
    await json(await t.from("10.0.0.1", "/api/fhir/open/Patient/p1?_elements=birthDate"));
    const fhir = t.audit.filter((a) => a.action === "fhir");
    expect(fhir).toEqual([expect.objectContaining({
      platform: "open",
      interaction: "read",
      resource_type: "Patient",
      resource_id: "p1",
      status: 200,
      session: "anonymous",
      outcome: "success",
    })]);
    expect(JSON.stringify(t.audit)).not.toContain("birthDate");
  });
});
