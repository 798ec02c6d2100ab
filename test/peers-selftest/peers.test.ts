import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Bundle, Observation, Patient } from "@medplum/fhirtypes";
import { JOHNNIE_ID, LUNA_ID, startFhirPeer } from "../peers/fhir-server.ts";
import type { FhirPeer } from "../peers/fhir-server.ts";
import { loginWithPkce, revokeToken, tokenRequest } from "../peers/smart-login.ts";
import type { LoginClient } from "../peers/smart-login.ts";
import { startSmartPeer } from "../peers/smart-server.ts";
import type { SmartPeer } from "../peers/smart-server.ts";
import { getJson } from "./_get-json.ts";

const FHIR_JSON = { "content-type": "application/fhir+json" };

describe("FHIR peer (Medplum engine, seeded)", () => {
  let peer: FhirPeer;
  beforeAll(async () => {
    peer = await startFhirPeer();
  });
  afterAll(() => peer.close());

  it("finds both Synthea patients, with absolute fullUrls", async () => {
    const { status, headers, body } = await getJson<Bundle<Patient>>(`${peer.baseUrl}/Patient`);
    expect(status).toBe(200);
    expect(headers.get("content-type")).toMatch(/^application\/fhir\+json/);
    const ids = body.entry?.map((e) => e.resource?.id);
    expect(ids).toEqual(expect.arrayContaining([JOHNNIE_ID, LUNA_ID]));
    expect(body.entry?.[0]?.fullUrl).toMatch(new RegExp(`^${peer.baseUrl}/Patient/`));
  });

  it("reaches the end through next links, counting each of Johnnie's Observations once", async () => {
    const seen: string[] = [];
    let url: string | undefined =
      `${peer.baseUrl}/Observation?subject=Patient/${JOHNNIE_ID}&_count=15&_total=accurate`;
    let total: number | undefined;
    while (url) {
      const page: { status: number; body: Bundle<Observation> } = await getJson<
        Bundle<Observation>
      >(url);
      expect(page.status).toBe(200);
      total ??= page.body.total;
      for (const entry of page.body.entry ?? []) seen.push(entry.resource?.id ?? "");
      url = page.body.link?.find((l) => l.relation === "next")?.url;
      if (url) expect(url.startsWith(`${peer.baseUrl}/Observation?`)).toBe(true);
    }
    expect(total).toBe(106);
    expect(seen).toHaveLength(106);
    expect(new Set(seen).size).toBe(106);
  });

  it("creates, reads, updates and deletes with Location and ETag", async () => {
    const created = await getJson<Patient>(`${peer.baseUrl}/Patient`, {
      method: "POST",
      headers: FHIR_JSON,
      body: JSON.stringify({ resourceType: "Patient", name: [{ family: "Roundtrip" }] }),
    });
    expect(created.status).toBe(201);
    const id = created.body.id ?? "";
    expect(created.headers.get("location")).toMatch(
      new RegExp(`^${peer.baseUrl}/Patient/${id}/_history/`),
    );
    expect(created.headers.get("etag")).toBe(`W/"${created.body.meta?.versionId}"`);

    const read = await getJson<Patient>(`${peer.baseUrl}/Patient/${id}`);
    expect(read.status).toBe(200);
    expect(read.headers.get("etag")).toBe(created.headers.get("etag"));
    expect(read.headers.get("last-modified")).toBeTruthy();

    const updated = await getJson<Patient>(`${peer.baseUrl}/Patient/${id}`, {
      method: "PUT",
      headers: { ...FHIR_JSON, "if-match": read.headers.get("etag") ?? "" },
      body: JSON.stringify({ ...read.body, gender: "female" }),
    });
    expect(updated.status).toBe(200);
    expect(updated.body.gender).toBe("female");
    expect(updated.headers.get("etag")).not.toBe(read.headers.get("etag"));

    const stale = await getJson(`${peer.baseUrl}/Patient/${id}`, {
      method: "PUT",
      headers: { ...FHIR_JSON, "if-match": read.headers.get("etag") ?? "" },
      body: JSON.stringify(read.body),
    });
    expect(stale.status).toBe(412);

    expect((await fetch(`${peer.baseUrl}/Patient/${id}`, { method: "DELETE" })).status).toBe(200);
    const gone = await getJson<{ resourceType: string }>(`${peer.baseUrl}/Patient/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.body.resourceType).toBe("OperationOutcome");
  });

  it("answers a conditional create with the existing resource", async () => {
    const identifier = [{ system: "urn:test:selftest", value: "cond-1" }];
    const create = () =>
      getJson<Patient>(`${peer.baseUrl}/Patient`, {
        method: "POST",
        headers: { ...FHIR_JSON, "if-none-exist": "identifier=urn:test:selftest|cond-1" },
        body: JSON.stringify({ resourceType: "Patient", identifier }),
      });
    const first = await create();
    const second = await create();
    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    expect(second.body.id).toBe(first.body.id);
  });
});

describe("SMART peer (oidc-provider) guarding the FHIR peer", () => {
  const redirectUri = "http://127.0.0.1:9/callback";
  const publicClient: LoginClient = { clientId: "selftest-public", redirectUri };
  const confidential: LoginClient = {
    clientId: "selftest-confidential",
    clientSecret: "s3cret",
    redirectUri,
  };
  let smart: SmartPeer;
  let fhir: FhirPeer;
  beforeAll(async () => {
    smart = await startSmartPeer({
      clients: [
        { client_id: publicClient.clientId, redirect_uris: [redirectUri] },
        { client_id: confidential.clientId, client_secret: "s3cret", redirect_uris: [redirectUri] },
      ],
    });
    fhir = await startFhirPeer({ auth: smart.fhirAuth });
    smart.setAudience(fhir.baseUrl);
  });
  afterAll(async () => {
    await fhir.close();
    await smart.close();
  });

  const scope = "launch/patient openid fhirUser offline_access patient/*.rs";

  it("completes a PKCE login, tokens and patient included, and the FHIR peer takes the token", async () => {
    const { tokens, callback } = await loginWithPkce(smart.smartConfiguration, publicClient, {
      scope,
      aud: fhir.baseUrl,
    });
    expect(callback.searchParams.get("iss")).toBe(smart.issuer);
    expect(tokens.refresh_token).toBeTruthy();
    expect(tokens.id_token).toBeTruthy();
    expect(tokens.patient).toBe(JOHNNIE_ID);
    expect(tokens.scope?.split(" ")).toEqual(
      expect.arrayContaining(["patient/*.rs", "offline_access"]),
    );

    const withToken = await fetch(`${fhir.baseUrl}/Patient/${tokens.patient}`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(withToken.status).toBe(200);
    const without = await getJson<{ resourceType: string }>(
      `${fhir.baseUrl}/Patient/${JOHNNIE_ID}`,
    );
    expect(without.status).toBe(401);
    expect(without.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect(without.body.resourceType).toBe("OperationOutcome");
    const forged = await fetch(`${fhir.baseUrl}/Patient`, {
      headers: { authorization: "Bearer forged" },
    });
    expect(forged.status).toBe(401);
    expect((await fetch(`${fhir.baseUrl}/metadata`)).status).toBe(200);
  });

  it("rotates refresh tokens: the new one works, the old one is refused", async () => {
    const { tokens } = await loginWithPkce(smart.smartConfiguration, publicClient, {
      scope,
      aud: fhir.baseUrl,
    });
    const oldRefresh = tokens.refresh_token ?? "";
    const refresh = (token: string) =>
      tokenRequest(smart.smartConfiguration, publicClient, {
        grant_type: "refresh_token",
        refresh_token: token,
      });
    const refreshed = await refresh(oldRefresh);
    expect(refreshed.status).toBe(200);
    const next = await refreshed.json();
    expect(next.refresh_token).toBeTruthy();
    expect(next.refresh_token).not.toBe(oldRefresh);
    expect(next.patient).toBe(JOHNNIE_ID);
    const read = await fetch(`${fhir.baseUrl}/Patient/${JOHNNIE_ID}`, {
      headers: { authorization: `Bearer ${next.access_token}` },
    });
    expect(read.status).toBe(200);

    const reused = await refresh(oldRefresh);
    expect(reused.status).toBe(400);
    expect((await reused.json()).error).toBe("invalid_grant");
  });

  it("records a revoked access token, which the FHIR peer then refuses", async () => {
    const { tokens } = await loginWithPkce(smart.smartConfiguration, confidential, {
      scope: "launch/patient openid patient/*.read",
      aud: fhir.baseUrl,
    });
    expect(tokens.refresh_token).toBeUndefined();
    const revoked = await revokeToken(smart.smartConfiguration, confidential, tokens.access_token);
    expect(revoked.status).toBe(200);
    expect(smart.revoked).toContain(tokens.access_token);
    const read = await fetch(`${fhir.baseUrl}/Patient`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(read.status).toBe(401);
  });
});
