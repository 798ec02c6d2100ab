import type { CapabilityStatement, CapabilityStatementRestSecurity } from "@medplum/fhirtypes";

/** The SMART endpoints the CapabilityStatement advertises in its oauth-uris extension. */
export interface OAuthUris {
  authorization_endpoint?: string;
  token_endpoint?: string;
  revocation_endpoint?: string;
  introspection_endpoint?: string;
}

const INTERACTIONS = [
  "read",
  "vread",
  "update",
  "patch",
  "delete",
  "history-instance",
  "create",
  "search-type",
] as const;

/** A CapabilityStatement for the peer; with `oauth`, it declares SMART-on-FHIR security. */
export function capabilityStatement(
  baseUrl: string,
  resourceTypes: Iterable<string>,
  oauth?: OAuthUris,
): CapabilityStatement {
  return {
    resourceType: "CapabilityStatement",
    status: "active",
    date: "2025-01-01",
    kind: "instance",
    fhirVersion: "4.0.1",
    format: ["json", "application/fhir+json"],
    software: { name: "Medplum fhir-router test peer", version: "4.5.2" },
    implementation: { description: "Test peer", url: baseUrl },
    rest: [
      {
        mode: "server",
        ...(oauth ? { security: smartSecurity(oauth) } : {}),
        resource: [...resourceTypes].sort().map((type) => ({
          type,
          interaction: INTERACTIONS.map((code) => ({ code })),
          versioning: "versioned",
          readHistory: true,
          updateCreate: true,
          conditionalCreate: true,
        })),
        interaction: [{ code: "transaction" }, { code: "batch" }, { code: "search-system" }],
      },
    ],
  } as CapabilityStatement;
}

function smartSecurity(oauth: OAuthUris): CapabilityStatementRestSecurity {
  const uris: Array<[string, string | undefined]> = [
    ["authorize", oauth.authorization_endpoint],
    ["token", oauth.token_endpoint],
    ["revoke", oauth.revocation_endpoint],
    ["introspect", oauth.introspection_endpoint],
  ];
  return {
    cors: true,
    service: [
      {
        coding: [{
          system: "http://terminology.hl7.org/CodeSystem/restful-security-service",
          code: "SMART-on-FHIR",
        }],
        text: "OAuth2 using SMART-on-FHIR profile (see http://docs.smarthealthit.org)",
      },
    ],
    extension: [
      {
        url: "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
        extension: uris.flatMap(([url, valueUri]) => (valueUri ? [{ url, valueUri }] : [])),
      },
    ],
  };
}
