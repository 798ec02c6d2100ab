import { GatewayError } from "../errors.ts";

type Json = Record<string, unknown>;

/** What a platform supports at a glance: its resource types and what can be done with them. */
export interface CapabilitySummary {
  fhirVersion?: string;
  software?: string;
  /** SMART OAuth endpoints the statement names, when it names them. */
  oauth?: Record<string, string>;
  /** Operations on the whole server. */
  operations: string[];
  resources: Array<{ type: string; interactions: string[]; searchParams: number }>;
}

/** One resource type in detail. */
export interface ResourceCapability {
  type: string;
  profile?: string;
  interactions: string[];
  searchParams: Array<{ name: string; type?: string }>;
  operations: string[];
  searchInclude: string[];
  searchRevInclude: string[];
}

/** Reduces a CapabilityStatement to a summary a model can read in one go. */
export function summarizeCapabilities(statement: unknown): CapabilitySummary {
  const cs = statement as Json;
  const rest = restOf(cs);
  const software = cs.software as Json | undefined;
  const oauth = oauthUris(rest);
  return {
    fhirVersion: typeof cs.fhirVersion === "string" ? cs.fhirVersion : undefined,
    software: software ? [software.name, software.version].filter(Boolean).join(" ") : undefined,
    ...(oauth ? { oauth } : {}),
    operations: names(rest.operation),
    resources: list(rest.resource).map((r) => ({
      type: String(r.type),
      interactions: list(r.interaction).map((i) => String(i.code)),
      searchParams: list(r.searchParam).length,
    })),
  };
}

/** One resource type of a CapabilityStatement; throws not_found when it is not supported. */
export function resourceCapability(statement: unknown, type: string): ResourceCapability {
  const r = list(restOf(statement as Json).resource).find((x) => x.type === type);
  if (!r) {
    throw new GatewayError("not_found", `The platform's CapabilityStatement lists no "${type}".`, {
      next: "check_capabilities",
    });
  }
  return {
    type,
    profile: typeof r.profile === "string" ? r.profile : undefined,
    interactions: list(r.interaction).map((i) => String(i.code)),
    searchParams: list(r.searchParam).map((p) => ({
      name: String(p.name),
      type: typeof p.type === "string" ? p.type : undefined,
    })),
    operations: names(r.operation),
    searchInclude: strings(r.searchInclude),
    searchRevInclude: strings(r.searchRevInclude),
  };
}

function restOf(cs: Json): Json {
  return list(cs.rest).find((r) => r.mode === "server") ?? list(cs.rest)[0] ?? {};
}

function oauthUris(rest: Json): Record<string, string> | undefined {
  const ext = list((rest.security as Json | undefined)?.extension).find((e) =>
    String(e.url).endsWith("oauth-uris")
  );
  if (!ext) return undefined;
  const out: Record<string, string> = {};
  for (const e of list(ext.extension)) {
    if (typeof e.url === "string" && typeof e.valueUri === "string") out[e.url] = e.valueUri;
  }
  return out;
}

function names(value: unknown): string[] {
  return list(value).map((o) => `$${String(o.name).replace(/^\$/, "")}`);
}

function list(value: unknown): Json[] {
  return Array.isArray(value)
    ? value.filter((v): v is Json => typeof v === "object" && v !== null)
    : [];
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

/** True when the statement lists `$everything` on Patient (or on the whole server). */
export function listsPatientEverything(statement: unknown): boolean {
  const rest = restOf(statement as Json);
  const isEverything = (o: Json) => String(o.name).replace(/^\$/, "") === "everything";
  const patient = list(rest.resource).find((r) => r.type === "Patient");
  return list(patient?.operation).some(isEverything) || list(rest.operation).some(isEverything);
}
