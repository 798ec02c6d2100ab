import type { Bundle, CapabilityStatement, Resource } from "@medplum/fhirtypes";
import type { Platform } from "../catalog/platform.ts";
import { GatewayError } from "../errors.ts";
import { assertId } from "../fhir/validate.ts";
import type { FhirBody, FhirInteraction } from "../fhir/interaction.ts";
import type {
  CreateInput,
  DeleteInput,
  HistoryQuery,
  OnPlatform,
  OperationInput,
  PatchInput,
  ReadQuery,
  ResourceInput,
  SearchQuery,
  UpdateInput,
} from "./fhir-inputs.ts";
import type { Caller } from "./caller.ts";
import { listsPatientEverything } from "./capabilities.ts";
import { fromCursor } from "./cursor.ts";
import { gatherEverything } from "./everything.ts";
import type { Exchange, ExchangeOptions } from "./exchange.ts";
import { type FhirResult, parsedResult } from "./fhir-result.ts";

/** The FHIR operations of the core; REST, MCP, the CLI and pages all call these. */
export interface FhirOperations {
  search(caller: Caller, q: SearchQuery, o?: ExchangeOptions): Promise<FhirResult<Bundle>>;
  /** The next page of an earlier answer, by the cursor `toCursor` made of its next link. */
  nextPage(caller: Caller, cursor: string): Promise<FhirResult<Bundle> & { full: boolean }>;
  /** How many resources match (`_summary=count`); throws when the platform reports none. */
  count(caller: Caller, q: SearchQuery): Promise<{ platform: string; count: number }>;
  read(caller: Caller, q: ReadQuery, o?: ExchangeOptions): Promise<FhirResult<Resource>>;
  history(caller: Caller, q: HistoryQuery, o?: ExchangeOptions): Promise<FhirResult<Bundle>>;
  create(caller: Caller, w: CreateInput, o?: ExchangeOptions): Promise<FhirResult<Resource>>;
  update(caller: Caller, w: UpdateInput, o?: ExchangeOptions): Promise<FhirResult<Resource>>;
  patch(caller: Caller, w: PatchInput, o?: ExchangeOptions): Promise<FhirResult<Resource>>;
  delete(caller: Caller, w: DeleteInput, o?: ExchangeOptions): Promise<FhirResult<unknown>>;
  operation(caller: Caller, w: OperationInput, o?: ExchangeOptions): Promise<FhirResult<unknown>>;
  /** A batch or transaction Bundle. */
  batch(
    caller: Caller,
    w: OnPlatform & { body: ResourceInput },
    o?: ExchangeOptions,
  ): Promise<FhirResult<Bundle>>;
  /** The platform's CapabilityStatement, from one cache shared by every face. */
  capabilities(caller: Caller, platformRef: string): Promise<CapabilityStatement>;
  /**
   * Runs an interaction as parsed from a FHIR URL (the REST face): dispatches to the
   * operation above that it names, so every face gets the same rules.
   */
  interaction(
    caller: Caller,
    platformRef: string,
    i: FhirInteraction,
    o?: ExchangeOptions,
  ): Promise<FhirResult<unknown>>;
}

/** What the operations are built on. */
export interface FhirOperationsDeps {
  resolve(platformRef: string): Platform;
  exchange: Exchange;
  baseFor(platform: Platform): string;
  /** The shared CapabilityStatement cache, keyed by platform key. */
  capabilities(caller: Caller, platform: Platform): Promise<CapabilityStatement>;
}

/** Builds the FHIR operations over one exchange. */
export function createFhirOperations(deps: FhirOperationsDeps): FhirOperations {
  const { resolve, exchange } = deps;
  const asBundle = (r: FhirResult<unknown>) => r as FhirResult<Bundle>;
  const asResource = (r: FhirResult<unknown>) => r as FhirResult<Resource>;

  const ops: FhirOperations = {
    async search(caller, q, o) {
      const i: FhirInteraction = {
        kind: "search",
        type: q.type,
        params: new URLSearchParams(q.params),
        compartment: q.compartment,
        via: q.via,
        form: q.form,
      };
      return asBundle(await exchange(caller, resolve(q.platform), i, o));
    },
    async nextPage(caller, cursor) {
      const c = fromCursor(cursor);
      const platform = resolve(c.platform);
      const result = await exchange(caller, platform, c.interaction);
      return Object.assign(asBundle(result), { full: c.full === true });
    },
    async count(caller, q) {
      const params = new URLSearchParams(q.params);
      params.set("_summary", "count");
      // Some servers (Medplum) report a total only when asked for an accurate one.
      params.set("_total", "accurate");
      const result = await ops.search(caller, { ...q, params });
      const total = (await result.json())?.total;
      if (typeof total !== "number") {
        throw new GatewayError(
          "upstream_error",
          `The platform "${result.platform}" reported no total.`,
          { next: "search_instead", details: { platform: result.platform } },
        );
      }
      return { platform: result.platform, count: total };
    },
    async read(caller, q, o) {
      const i: FhirInteraction = q.versionId
        ? { kind: "vread", type: q.type, id: q.id, versionId: q.versionId }
        : { kind: "read", type: q.type, id: q.id };
      return asResource(await exchange(caller, resolve(q.platform), i, o));
    },
    async history(caller, q, o) {
      if (q.id !== undefined && q.type === undefined) {
        throw new GatewayError("bad_request", "A history with an id needs its resource type.", {
          next: "fix_input",
          details: { field: "resource_type" },
        });
      }
      const i: FhirInteraction = {
        kind: "history",
        type: q.type,
        id: q.id,
        params: new URLSearchParams(q.params),
      };
      return asBundle(await exchange(caller, resolve(q.platform), i, o));
    },
    async create(caller, w, o) {
      const headers = withHeader(o?.headers, "if-none-exist", w.ifNoneExist);
      const i: FhirInteraction = { kind: "create", type: w.type, body: toBody(w.resource) };
      return asResource(await exchange(caller, resolve(w.platform), i, { ...o, headers }));
    },
    async update(caller, w, o) {
      if (w.ifMatch !== undefined) assertId(w.ifMatch, "version id");
      const headers = withHeader(o?.headers, "if-match", w.ifMatch && `W/"${w.ifMatch}"`);
      const i: FhirInteraction = {
        kind: "update",
        type: w.type,
        id: w.id,
        params: w.params,
        body: toBody(withId(w.resource, w.id)),
      };
      return asResource(await exchange(caller, resolve(w.platform), i, { ...o, headers }));
    },
    async patch(caller, w, o) {
      if (w.ifMatch !== undefined) assertId(w.ifMatch, "version id");
      const headers = withHeader(o?.headers, "if-match", w.ifMatch && `W/"${w.ifMatch}"`);
      const json = Array.isArray(w.patch);
      const i: FhirInteraction = {
        kind: "patch",
        type: w.type,
        id: w.id,
        params: w.params,
        body: json ? JSON.stringify(w.patch) : toBody(w.patch as ResourceInput),
      };
      const contentType = json ? "application/json-patch+json" : o?.contentType;
      return asResource(
        await exchange(caller, resolve(w.platform), i, { ...o, headers, contentType }),
      );
    },
    async delete(caller, w, o) {
      const i: FhirInteraction = { kind: "delete", type: w.type, id: w.id, params: w.params };
      return await exchange(caller, resolve(w.platform), i, o);
    },
    async operation(caller, w, o) {
      if (w.id !== undefined && w.type === undefined) {
        throw new GatewayError("bad_request", "An instance operation needs its resource type.", {
          next: "fix_input",
          details: { field: "resource_type" },
        });
      }
      const platform = resolve(w.platform);
      const params = new URLSearchParams(w.params);
      if (
        w.name === "$everything" && w.type === "Patient" && w.id !== undefined &&
        w.input === undefined && await lacksEverything(caller, platform)
      ) {
        // The platform lacks $everything: gather the compartment through these same operations.
        const run = (i: FhirInteraction) => exchange(caller, platform, i, o);
        const bundle = await gatherEverything(run, platform, deps.baseFor(platform), w.id, params);
        return parsedResult(platform.key, 200, new Headers(), bundle);
      }
      const base = { kind: "operation", name: w.name, type: w.type, id: w.id, params } as const;
      const i: FhirInteraction = w.input === undefined
        ? { ...base, method: "GET" }
        : { ...base, method: "POST", body: toBody(w.input) };
      return await exchange(caller, platform, i, o);
    },
    async batch(caller, w, o) {
      const i: FhirInteraction = { kind: "batch", body: toBody(w.body) };
      return asBundle(await exchange(caller, resolve(w.platform), i, o));
    },
    capabilities: (caller, platformRef) => deps.capabilities(caller, resolve(platformRef)),
    async interaction(caller, platformRef, i, o) {
      switch (i.kind) {
        case "capabilities": {
          const statement = await ops.capabilities(caller, platformRef);
          return parsedResult(resolve(platformRef).key, 200, new Headers(), statement);
        }
        case "search":
          return await ops.search(caller, { platform: platformRef, ...i }, o);
        case "read":
          return await ops.read(caller, { platform: platformRef, ...i }, o);
        case "vread":
          return await ops.read(caller, { platform: platformRef, ...i }, o);
        case "history":
          return await ops.history(caller, { platform: platformRef, ...i }, o);
        case "create":
          return await ops.create(caller, { platform: platformRef, ...i, resource: i.body }, o);
        case "update":
          return await ops.update(caller, { platform: platformRef, ...i, resource: i.body }, o);
        case "patch":
          return await ops.patch(caller, { platform: platformRef, ...i, patch: i.body }, o);
        case "delete":
          return await ops.delete(caller, { platform: platformRef, ...i }, o);
        case "operation":
          return await ops.operation(caller, {
            platform: platformRef,
            name: i.name,
            type: i.type,
            id: i.id,
            params: i.params,
            input: i.method === "POST" ? i.body ?? "" : undefined,
          }, o);
        case "batch":
          return await ops.batch(caller, { platform: platformRef, body: i.body }, o);
        case "page":
          return await exchange(caller, resolve(platformRef), i, o);
      }
    },
  };

  /** Whether to use the built-in $everything: the file says so, or the statement lacks it. */
  async function lacksEverything(caller: Caller, platform: Platform): Promise<boolean> {
    const flag = platform.capabilities.patient_everything;
    if (flag !== undefined) return !flag;
    try {
      return !listsPatientEverything(await deps.capabilities(caller, platform));
    } catch {
      return false; // no statement to go by: ask the platform itself
    }
  }

  return ops;
}

/** A resource input as a body to send: objects become JSON text. */
function toBody(input: ResourceInput): FhirBody {
  if (
    typeof input === "string" || input instanceof Uint8Array || input instanceof ReadableStream
  ) {
    return input;
  }
  return JSON.stringify(input);
}

/** An update's resource carries the id of the URL (an object without one gets it). */
function withId(input: ResourceInput, id: string | undefined): ResourceInput {
  if (id === undefined || typeof input !== "object" || input === null) return input;
  if (input instanceof Uint8Array || input instanceof ReadableStream) return input;
  return (input as Resource).id === undefined ? { ...(input as Resource), id } : input;
}

function withHeader(from: Headers | undefined, name: string, value: string | undefined) {
  if (!value) return from;
  const headers = new Headers(from);
  headers.set(name, value);
  return headers;
}
