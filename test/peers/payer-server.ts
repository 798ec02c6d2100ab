/**
 * A payer's CRD (CDS Hooks), DTR and PAS services for tests. No payer server can be
 * installed here, so this one follows the Da Vinci guides' own examples
 * (test/fixtures/davinci/): it serves the CRD guide's discovery document verbatim, answers
 * hooks in the shape of CRDServiceResponse, the DTR package in the shape of the output
 * Parameters example (with a CQL Library the guide lacks), and PAS with the guide's
 * approved / pended / rejected response Bundles. Every call must carry the gateway's CDS
 * Hooks client JWT, verified against the gateway's published JWKS.
 */
import type { Json } from "../../src/coverage/_json.ts";
import { startStaticPeer } from "./static-server.ts";
import { createJwtVerifier, type JwtCheck } from "./payer-jwt.ts";
import { crdAnswer } from "./payer-crd.ts";
import { guideExample, wristMriPackage } from "./payer-fixtures.ts";

/** A running payer peer. */
export interface PayerPeer {
  /** The CDS Hooks base (discovery at `{cdsBase}/cds-services`). */
  cdsBase: string;
  /** The FHIR base of DTR and PAS. */
  fhirBase: string;
  requests: Array<{ method: string; url: string; headers: Record<string, string> }>;
  /** Bodies of the hook calls, oldest first. */
  hookCalls: Array<Record<string, Json>>;
  /** Bodies of $submit / $inquire / $questionnaire-package calls. */
  fhirCalls: Array<{ operation: string; body: Record<string, Json> }>;
  jwtChecks: JwtCheck[];
  /** Names the JWK Set the client JWTs are verified against (the gateway's). */
  trust(jwksUrl: string): void;
  /** Makes hook calls hang (never answer) until `release()`; for timeout tests. */
  hang(): void;
  release(): void;
  close(): Promise<void>;
}

const json = (body: unknown, status = 200, type = "application/json") =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": type } });
const fhir = (body: unknown, status = 200) => json(body, status, "application/fhir+json");
const outcome = (text: string, status = 400) =>
  fhir({
    resourceType: "OperationOutcome",
    issue: [{ severity: "error", code: "invalid", diagnostics: text }],
  }, status);

/**
 * Starts the payer peer. `issuer` is the client id the gateway signs as; the gateway's JWKS
 * URL is set later (`trust`), since the gateway is configured with this peer's URLs first.
 */
export async function startPayerPeer(options: { issuer: string }): Promise<PayerPeer> {
  let jwksUrl = "";
  const verifier = createJwtVerifier({ issuer: options.issuer, jwksUrl: () => jwksUrl });
  const hookCalls: PayerPeer["hookCalls"] = [];
  const fhirCalls: PayerPeer["fhirCalls"] = [];
  const pended = new Map<string, "pended" | "certified">();
  let hanging: Promise<void> | undefined;
  let release = () => {};

  const peer = await startStaticPeer(async (request) => {
    const url = new URL(request.url);
    const check = await verifier.verify(request);
    if (!check.ok) return json({ error: `client JWT refused: ${check.error}` }, 401);
    const path = url.pathname;
    if (request.method === "GET" && path === "/cds/cds-services") {
      return json(guideExample("CRDServices.json"));
    }
    const hook = /^\/cds\/cds-services\/([\w-]+)$/.exec(path);
    if (request.method === "POST" && hook) {
      const body = await request.json() as Record<string, Json>;
      hookCalls.push(body);
      if (hanging) await hanging;
      const order = body.context?.draftOrders?.entry?.[0]?.resource ??
        body.prefetch?.serviceRequests?.entry?.[0]?.resource;
      if (!body.hookInstance || !body.context?.patientId || !order) {
        return json({ error: "hookInstance, context.patientId and an order are required" }, 400);
      }
      const coverage = body.prefetch?.coverage?.entry?.[0]?.resource;
      const coverageRef = coverage ? `Coverage/${coverage.id}` : "Coverage/unknown";
      return json(crdAnswer(order, coverageRef));
    }
    if (request.method === "POST" && path === "/fhir/Questionnaire/$questionnaire-package") {
      const body = await request.json() as Record<string, Json>;
      fhirCalls.push({ operation: "$questionnaire-package", body });
      const param = (name: string) => body.parameter?.find((p: Json) => p.name === name);
      const coverage = param("coverage")?.resource;
      if (coverage?.resourceType !== "Coverage") {
        return outcome("coverage must be a Coverage resource (not a reference)");
      }
      const code = param("order")?.resource?.code?.coding?.[0]?.code;
      if (code === "73221") {
        return fhir({
          resourceType: "Parameters",
          parameter: [{ name: "packagebundle", resource: wristMriPackage() }],
        });
      }
      if (code === "E0431" || code === "E0424") {
        return fhir(guideExample("Parameters-QuestionnairePackageOutputParamsExample.json"));
      }
      return fhir({
        resourceType: "Parameters",
        parameter: [{
          name: "outcome",
          resource: {
            resourceType: "OperationOutcome",
            issue: [{
              severity: "information",
              code: "informational",
              diagnostics: `No documentation is required for ${code}`,
            }],
          },
        }],
      });
    }
    if (
      request.method === "POST" &&
      (path === "/fhir/Claim/$submit" || path === "/fhir/Claim/$inquire")
    ) {
      const body = await request.json() as Record<string, Json>;
      const operation = path.endsWith("$submit") ? "$submit" : "$inquire";
      fhirCalls.push({ operation, body });
      const problem = checkPasBundle(body);
      if (problem) {
        const oo = guideExample("OperationOutcome-InvalidRequestResponse.json");
        oo.issue[0].diagnostics = problem;
        return fhir(oo, 400);
      }
      const claim = body.entry[0].resource;
      const key = claim.identifier?.[0]?.value as string;
      const code = claim.item?.[0]?.productOrService?.coding?.[0]?.code;
      if (operation === "$inquire") {
        if (!pended.has(key)) return outcome(`No request with identifier ${key}`, 404);
        pended.set(key, "certified");
        return fhir(
          answer(guideExample("Bundle-PASClaimInquiryResponseBundleExample.json"), claim),
        );
      }
      if (code === "73221") {
        pended.set(key, "pended");
        return fhir(
          answer(
            guideExample("Bundle-ReferralPendingAuthorizationResponseBundleExample.json"),
            claim,
          ),
        );
      }
      if (code === "72148") {
        const denied = answer(guideExample("Bundle-RejectionResponseBundleExample.json"), claim);
        // The guide's rejection names no reason; PAS carries one as reviewAction.reasonCode.
        denied.entry[0].resource.item[0].adjudication[0].extension[0].extension.push({
          url: "reasonCode",
          valueCodeableConcept: {
            coding: [{
              system: "https://codesystem.x12.org/external/886",
              code: "N",
              display: "Not medically necessary",
            }],
          },
        });
        return fhir(denied);
      }
      return fhir(
        answer(guideExample("Bundle-ReferralAuthorizationResponseBundleExample.json"), claim),
      );
    }
    return json({ error: `no route ${request.method} ${path}` }, 404);
  });

  return {
    cdsBase: `${peer.url}/cds`,
    fhirBase: `${peer.url}/fhir`,
    requests: peer.requests,
    hookCalls,
    fhirCalls,
    jwtChecks: verifier.checks,
    trust(url) {
      jwksUrl = url;
    },
    hang() {
      hanging = new Promise((resolve) => (release = resolve));
    },
    release() {
      hanging = undefined;
      release();
    },
    close: async () => {
      release();
      await peer.close();
    },
  };
}

/** PAS request rules the peer checks: Claim first, preauthorization, every reference present once. */
function checkPasBundle(body: Record<string, Json>): string | undefined {
  if (body.resourceType !== "Bundle" || body.type !== "collection") {
    return "the request must be a collection Bundle";
  }
  const claim = body.entry?.[0]?.resource;
  if (claim?.resourceType !== "Claim" || claim.use !== "preauthorization") {
    return "the first entry must be a Claim with use preauthorization";
  }
  const refs = new Map<string, number>();
  for (const e of body.entry) {
    const r = e.resource;
    if (!/^(https?:|urn:uuid:)/.test(e.fullUrl ?? "")) {
      return `entry ${r?.resourceType}/${r?.id} has no absolute fullUrl`;
    }
    const key = `${r.resourceType}/${r.id}`;
    refs.set(key, (refs.get(key) ?? 0) + 1);
  }
  if ([...refs.values()].some((n) => n > 1)) return "a resource is included twice";
  const needed = [
    claim.patient?.reference,
    claim.provider?.reference,
    claim.insurance?.[0]?.coverage?.reference,
    ...(claim.item ?? []).flatMap((i: Json) =>
      (i.extension ?? []).filter((x: Json) => x.url.endsWith("extension-requestedService")).map((
        x: Json,
      ) => x.valueReference?.reference)
    ),
    ...(claim.supportingInfo ?? []).map((s: Json) => s.valueReference?.reference),
  ].filter(Boolean);
  const missing = needed.filter((r: string) => !refs.has(r));
  if (missing.length) return `referenced but not included: ${missing.join(", ")}`;
  return undefined;
}

/** A guide response Bundle, tied to this request: its ClaimResponse names this Claim. */
function answer(bundle: Record<string, Json>, claim: Record<string, Json>): Record<string, Json> {
  const response =
    bundle.entry.find((e: Json) => e.resource.resourceType === "ClaimResponse").resource;
  response.request = { reference: `Claim/${claim.id}` };
  response.patient = claim.patient;
  response.identifier = [{ system: "urn:ietf:rfc:3986", value: claim.identifier?.[0]?.value }];
  // The guide's responses put the ClaimResponse first, as PAS requires.
  return bundle;
}
