import { decodeJwt, decodeProtectedHeader } from "jose";
import { describe, expect, it } from "vitest";
import { createSessionService } from "../../src/auth/sessions.ts";
import { GatewayError } from "../../src/errors.ts";
import { silentLogger } from "../../src/log.ts";
import { generateMasterKeyLine, parseMasterKeys } from "../../src/store/master-keys.ts";
import { createMemoryStore } from "../../src/store/memory-store.ts";
import { createVault } from "../../src/store/vault.ts";

function setup(idleSeconds = 600, keys = generateMasterKeyLine()) {
  let t = Date.parse("2026-01-01T00:00:00Z");
  const now = () => t;
  const store = createMemoryStore({ now });
  const vault = createVault(store, parseMasterKeys(keys));
  const sessions = createSessionService({ vault, idleSeconds, log: silentLogger, now });
  return { sessions, store, vault, advance: (ms: number) => (t += ms) };
}

describe("gateway sessions", () => {
  it("issues 256-bit ids whose owner is not derived from the id, and stores no id", async () => {
    const { sessions, store } = setup();
    const a = await sessions.create();
    const b = await sessions.create();
    expect(a.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.id).not.toBe(b.id);
    expect(a.owner).toMatch(/^session:/);
    expect(a.owner).not.toContain(a.id);
    const keys = await store.list("");
    expect(keys.some((k) => k.includes(a.id))).toBe(false);
    expect(await sessions.resolve(a.id)).toBe(a.owner);
    expect(await sessions.resolve(b.id)).toBe(b.owner);
  });

  it("expires after the idle time, and sliding use keeps it alive", async () => {
    const { sessions, advance } = setup(600);
    const s = await sessions.create();
    for (let i = 0; i < 5; i++) {
      advance(400_000);
      expect(await sessions.resolve(s.id)).toBe(s.owner);
    }
    advance(601_000);
    expect(await sessions.resolve(s.id)).toBeUndefined();
  });

  it("resolves nothing for malformed or unknown ids", async () => {
    const { sessions } = setup();
    expect(await sessions.resolve("")).toBeUndefined();
    expect(await sessions.resolve("x".repeat(43))).toBeUndefined();
    expect(await sessions.resolve("../../etc/passwd")).toBeUndefined();
  });
});

describe("signed auth handles", () => {
  it("name their owner until they expire", async () => {
    const { sessions, advance } = setup();
    const { owner } = await sessions.create();
    const { handle, expiresAt } = await sessions.issueHandle(owner, 60);
    expect(Date.parse(expiresAt)).toBe(Date.parse("2026-01-01T00:01:00Z"));
    expect(await sessions.resolveHandle(handle)).toBe(owner);
    advance(61_000);
    await expect(sessions.resolveHandle(handle)).rejects.toMatchObject({
      code: "forbidden",
      message: "The auth handle is invalid or has expired.",
    });
  });

  it("refuse forged, edited and foreign handles with 403", async () => {
    const { sessions } = setup();
    const other = setup();
    const { handle } = await sessions.issueHandle("session:alice");
    const [prefix, payload, mac] = handle.split(".") as [string, string, string];
    const edited = `${prefix}.${
      btoa(JSON.stringify({ o: "session:mallory", x: Date.now() + 1e9 })).replace(/=+$/, "")
    }.${mac}`;
    const foreign = (await other.sessions.issueHandle("session:alice")).handle;
    for (const bad of [edited, foreign, `${prefix}.${payload}.`, "h1..", "nonsense", ""]) {
      const err = await sessions.resolveHandle(bad).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GatewayError);
      expect((err as GatewayError).status).toBe(403);
    }
  });

  it("are JWS (HS256) naming the master key in kid, with exp and iat", async () => {
    const line = generateMasterKeyLine();
    const { sessions } = setup(600, line);
    const { handle, expiresAt } = await sessions.issueHandle("session:alice", 120);
    const header = decodeProtectedHeader(handle);
    expect(header).toMatchObject({ alg: "HS256", kid: line.split(":")[0] });
    const claims = decodeJwt(handle);
    expect(claims.exp! - claims.iat!).toBe(120);
    expect(claims.exp! * 1000).toBe(Date.parse(expiresAt));
  });

  it("stay valid after the master key rotates, until they expire or their key is dropped", async () => {
    const [a, b] = [generateMasterKeyLine(), generateMasterKeyLine()];
    const before = setup(600, a);
    const { handle } = await before.sessions.issueHandle("session:alice", 600);
    // The next start: key B is newest, A is still listed to open and verify.
    const rotated = setup(600, `${b},${a}`);
    expect(await rotated.sessions.resolveHandle(handle)).toBe("session:alice");
    const fresh = (await rotated.sessions.issueHandle("session:bob", 600)).handle;
    expect(decodeProtectedHeader(fresh).kid).toBe(b.split(":")[0]);
    expect(await rotated.sessions.resolveHandle(fresh)).toBe("session:bob");
    rotated.advance(601_000);
    await expect(rotated.sessions.resolveHandle(handle)).rejects.toMatchObject({
      code: "forbidden",
    });
    // Once A is dropped, what it signed no longer verifies.
    const dropped = setup(600, b);
    await expect(dropped.sessions.resolveHandle(handle)).rejects.toMatchObject({
      code: "forbidden",
    });
    expect(await dropped.sessions.resolveHandle(fresh)).toBe("session:bob");
  });

  it("refuse alg none, a kid swapped to another key, and garbage with 403, never a 500", async () => {
    const [a, b] = [generateMasterKeyLine(), generateMasterKeyLine()];
    const { sessions } = setup(600, `${b},${a}`);
    const { handle } = await sessions.issueHandle("session:alice");
    const [, payload, sig] = handle.split(".") as [string, string, string];
    const enc = (o: unknown) =>
      btoa(JSON.stringify(o)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
    const kidA = a.split(":")[0];
    const bad = [
      `${enc({ alg: "none", typ: "fhir-gateway-handle+jwt" })}.${payload}.`,
      `${enc({ alg: "HS256", kid: kidA, typ: "fhir-gateway-handle+jwt" })}.${payload}.${sig}`,
      `${enc({ alg: "HS256", kid: "unknown" })}.${payload}.${sig}`,
      `${enc({ alg: "RS256", kid: kidA })}.${payload}.${sig}`,
      `${enc("x")}.${payload}.${sig}`,
      "a.b.c",
      "....",
      "x".repeat(5000),
      "\u0000.\u0000.\u0000",
    ];
    for (const h of bad) {
      const err = await sessions.resolveHandle(h).catch((e: unknown) => e);
      expect(err, h.slice(0, 40)).toBeInstanceOf(GatewayError);
      expect((err as GatewayError).code).toBe("forbidden");
    }
  });
});
