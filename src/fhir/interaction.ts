/** A request body: replayable text/bytes, or a stream forwarded as it arrives. */
export type FhirBody = string | Uint8Array | ReadableStream<Uint8Array>;

/**
 * One FHIR RESTful interaction, as both faces (REST and MCP) describe it to the core.
 * `type`/`id` are validated by the core before anything goes upstream.
 */
export type FhirInteraction =
  | { kind: "capabilities" }
  | {
    kind: "search";
    type?: string;
    params: URLSearchParams;
    via?: "get" | "post";
    /** POST `_search` only: the caller's form body, read by the core after the login check. */
    form?: FhirBody;
    compartment?: { type: string; id: string };
  }
  | { kind: "read"; type: string; id: string }
  | { kind: "vread"; type: string; id: string; versionId: string }
  | { kind: "history"; type?: string; id?: string; params: URLSearchParams }
  | { kind: "create"; type: string; body: FhirBody }
  | { kind: "update"; type: string; id?: string; params?: URLSearchParams; body: FhirBody }
  | { kind: "patch"; type: string; id?: string; params?: URLSearchParams; body: FhirBody }
  | { kind: "delete"; type: string; id?: string; params?: URLSearchParams }
  | {
    kind: "operation";
    name: string;
    type?: string;
    id?: string;
    method: "GET" | "POST";
    params?: URLSearchParams;
    body?: FhirBody;
  }
  | { kind: "batch"; body: FhirBody }
  /** A page link the gateway minted for an upstream URL outside the FHIR base (same origin). */
  | { kind: "page"; target: string };

/** The interaction's name, e.g. "search", as plugins and logs see it. */
export type InteractionKind = FhirInteraction["kind"];

/** Interactions whose responses may be Bundles with links to rewrite. */
export function returnsBundle(i: FhirInteraction): boolean {
  return i.kind === "search" || i.kind === "history" || i.kind === "batch" ||
    i.kind === "operation" || i.kind === "page";
}

/** The upstream method and URL (relative to the FHIR base, or absolute for "page"). */
export function toUpstreamTarget(
  i: FhirInteraction,
  base: string,
): { method: string; url: string; body?: FhirBody; form?: boolean } {
  const at = (...segments: Array<string | undefined>) =>
    [base, ...segments.filter((s): s is string => s !== undefined).map(encodeURIComponent)].join(
      "/",
    );
  const withQuery = (url: string, params?: URLSearchParams) => {
    const q = params?.toString();
    return q ? `${url}?${q}` : url;
  };
  switch (i.kind) {
    case "capabilities":
      return { method: "GET", url: at("metadata") };
    case "search": {
      let path = at(i.type);
      let params = i.params;
      if (i.compartment?.type === "Patient") {
        // Many servers (Epic, Medplum) lack compartment URLs but all take `patient=`.
        params = new URLSearchParams(i.params);
        if (i.type === "Patient") params.set("_id", i.compartment.id);
        else params.set("patient", `Patient/${i.compartment.id}`);
      } else if (i.compartment) {
        path = at(i.compartment.type, i.compartment.id, i.type);
      }
      if (i.via === "post") {
        return { method: "POST", url: `${path}/_search`, body: params.toString(), form: true };
      }
      return { method: "GET", url: withQuery(path, params) };
    }
    case "read":
      return { method: "GET", url: at(i.type, i.id) };
    case "vread":
      return { method: "GET", url: at(i.type, i.id, "_history", i.versionId) };
    case "history":
      return { method: "GET", url: withQuery(at(i.type, i.id, "_history"), i.params) };
    case "create":
      return { method: "POST", url: at(i.type), body: i.body };
    case "update":
      return { method: "PUT", url: withQuery(at(i.type, i.id), i.params), body: i.body };
    case "patch":
      return { method: "PATCH", url: withQuery(at(i.type, i.id), i.params), body: i.body };
    case "delete":
      return { method: "DELETE", url: withQuery(at(i.type, i.id), i.params) };
    case "operation": {
      const url = `${at(i.type, i.id)}/${i.name}`;
      return i.method === "GET"
        ? { method: "GET", url: withQuery(url, i.params) }
        : { method: "POST", url: withQuery(url, i.params), body: i.body };
    }
    case "batch":
      return { method: "POST", url: base, body: i.body };
    case "page":
      return { method: "GET", url: i.target };
  }
}
