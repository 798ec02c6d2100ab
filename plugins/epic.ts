import { definePlugin } from "../src/plugin.ts";

/**
 * Search parameters the gateway drops before a search reaches Epic. Epic's R4 search
 * specifications (fhir.epic.com/Specifications) list the parameters each resource supports;
 * none lists these result parameters, so the gateway drops them rather than depend on how a
 * given Epic version treats a parameter it does not know (ignore, warn or refuse). Callers
 * lose little: Epic's searchset Bundles carry `total` anyway.
 */
export const epicUnsupportedParams: readonly string[] = [
  "_total",
  "_sort",
  "_contained",
  "_containedType",
];

/** Epic's FHIR JSON media type per FHIR version (DSTU2 predates `application/fhir+json`). */
export function epicAccept(fhirVersion: string | undefined): string {
  return fhirVersion === "DSTU2" ? "application/json+fhir" : "application/fhir+json";
}

/**
 * Epic (and its sandboxes):
 * - `aud` on every authorization request, equal to the FHIR base the app calls (Epic
 *   organizations may require it; a mismatch fails the login), unless the file fixes another;
 * - `Accept` in the media type Epic documents for the platform's FHIR version;
 * - `Epic-Client-ID` with the app's client id, which Epic uses to identify the calling app
 *   (required on calls made without an OAuth token; harmless with one);
 * - search parameters Epic rejects are dropped (see epicUnsupportedParams).
 * Epic's backend and confidential apps authenticate with a signed JWT (private_key_jwt);
 * signing belongs to the auth module, not to a hook (see docs/readme/plugins.md).
 */
export default definePlugin({
  name: "epic",
  platforms: ["epic", "epic-*", "mychart"],
  order: 50,
  authorizeParams(params, { platform }) {
    if (params.get("aud") || platform.oauth?.aud === "none" || !platform.baseUrl) return params;
    const out = new URLSearchParams(params);
    out.set("aud", platform.baseUrl);
    return out;
  },
  async beforeRequest(request, { platform, interaction }) {
    const headers = new Headers(request.headers);
    headers.set("accept", epicAccept(platform.fhir_version));
    const clientId = platform.credentials.clientId;
    if (clientId) headers.set("epic-client-id", clientId);
    if (interaction !== "search") return new Request(request, { headers });
    const url = new URL(request.url);
    stripUnsupported(url.searchParams);
    if (request.method !== "POST") return new Request(url, { ...copyInit(request), headers });
    // POST _search carries the parameters in a form body.
    const form = new URLSearchParams(await request.text());
    stripUnsupported(form);
    return new Request(url, { ...copyInit(request), headers, body: form.toString() });
  },
});

function stripUnsupported(params: URLSearchParams): void {
  for (const name of epicUnsupportedParams) params.delete(name);
}

function copyInit(request: Request): RequestInit {
  return { method: request.method, redirect: request.redirect, signal: request.signal };
}
