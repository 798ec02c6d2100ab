import { GatewayError } from "../errors.ts";
import type { FhirBody, FhirInteraction } from "../fhir/interaction.ts";

/** Media types the gateway accepts, by what the body is. */
const jsonTypes = ["application/fhir+json", "application/json"];
const patchTypes = ["application/json-patch+json", ...jsonTypes];
const formType = "application/x-www-form-urlencoded";

/** Reads a body as text, refusing it with 413 as soon as it passes `maxBytes`. */
export async function readBounded(body: FhirBody, maxBytes: number): Promise<string> {
  if (typeof body === "string") {
    if (body.length > maxBytes) throw tooLarge(maxBytes);
    return body;
  }
  if (body instanceof Uint8Array) {
    if (body.byteLength > maxBytes) throw tooLarge(maxBytes);
    return new TextDecoder().decode(body);
  }
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.byteLength;
  }
  return new TextDecoder().decode(all);
}

/**
 * Reads and checks the body of a write or POST interaction: its media type must fit the
 * interaction (FHIR JSON; JSON Patch for patch; a form for POST _search), JSON must parse,
 * and a created or updated resource must be of the interaction's type (and id). Answers the
 * text to send upstream. Nothing that fails here goes upstream.
 */
export async function readInteractionBody(
  i: FhirInteraction,
  body: FhirBody,
  contentType: string | undefined,
  maxBytes: number,
): Promise<string> {
  const media = contentType?.split(";")[0]?.trim().toLowerCase() || undefined;
  const allowed = i.kind === "patch" ? patchTypes : jsonTypes;
  if (media !== undefined && !allowed.includes(media)) {
    throw new GatewayError(
      "unsupported_media_type",
      `Content-Type "${media.slice(0, 60)}" is not accepted for ${i.kind}.`,
      {
        hint: i.kind === "patch"
          ? "Send JSON Patch (application/json-patch+json) or FHIRPath Patch (application/fhir+json)."
          : "Send FHIR JSON with Content-Type: application/fhir+json.",
        next: "fix_input",
      },
    );
  }
  const text = await readBounded(body, maxBytes);
  // An operation may be POSTed without input (e.g. `POST Patient/1/$everything`).
  if (i.kind === "operation" && !text.trim()) return text;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new GatewayError("bad_request", "The body is not valid JSON.", {
      hint: "Send a FHIR resource as JSON.",
      next: "fix_input",
      details: { field: "body" },
    });
  }
  checkResourceBody(i, parsed);
  return text;
}

/** Reads the form body of a POST `_search`; refuses anything but a form. */
export async function readFormBody(
  body: FhirBody,
  contentType: string | undefined,
  maxBytes: number,
): Promise<URLSearchParams> {
  const media = contentType?.split(";")[0]?.trim().toLowerCase();
  if (media !== formType) {
    throw new GatewayError(
      "unsupported_media_type",
      `POST _search takes a form (${formType}), not "${(media ?? "none").slice(0, 60)}".`,
      { next: "fix_input" },
    );
  }
  return new URLSearchParams(await readBounded(body, maxBytes));
}

function checkResourceBody(i: FhirInteraction, parsed: unknown): void {
  const isObject = typeof parsed === "object" && parsed !== null && !Array.isArray(parsed);
  if (i.kind === "patch") {
    if (Array.isArray(parsed)) return;
    if (isObject && (parsed as { resourceType?: unknown }).resourceType === "Parameters") return;
    throw new GatewayError("bad_request", "A patch body is a JSON Patch array or Parameters.", {
      next: "fix_input",
      details: { field: "body" },
    });
  }
  const resourceType = isObject ? (parsed as { resourceType?: unknown }).resourceType : undefined;
  if (typeof resourceType !== "string") {
    throw new GatewayError("bad_request", "The body is not a FHIR resource (no resourceType).", {
      next: "fix_input",
      details: { field: "body" },
    });
  }
  if (i.kind === "batch" && resourceType !== "Bundle") {
    throw new GatewayError("bad_request", "A batch or transaction body must be a Bundle.", {
      next: "fix_input",
      details: { field: "body" },
    });
  }
  if ((i.kind === "create" || i.kind === "update") && resourceType !== i.type) {
    throw new GatewayError(
      "bad_request",
      `The body is a ${resourceType.slice(0, 64)}, not a ${i.type}.`,
      { next: "fix_input", details: { field: "resourceType" } },
    );
  }
  if (i.kind === "update" && i.id !== undefined) {
    const id = (parsed as { id?: unknown }).id;
    if (id !== undefined && id !== i.id) {
      throw new GatewayError(
        "bad_request",
        `The body's id "${String(id).slice(0, 64)}" differs from the URL's id "${i.id}".`,
        { next: "fix_input", details: { field: "id" } },
      );
    }
  }
}

function tooLarge(maxBytes: number): GatewayError {
  return new GatewayError("payload_too_large", `The body is larger than ${maxBytes} bytes.`, {
    hint: "Send a smaller body, or ask the operator to raise FHIR_GATEWAY_MAX_BODY_BYTES.",
    details: { setting: "FHIR_GATEWAY_MAX_BODY_BYTES" },
  });
}
