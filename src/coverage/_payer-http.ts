import { readBounded } from "../core/read-body.ts";
import { GatewayError } from "../errors.ts";
import type { ClientSigner } from "./client-jwt.ts";

/** What a call to a payer service needs: fetch, the signer and a bounded timeout. */
export interface PayerHttp {
  fetch: typeof fetch;
  signer: ClientSigner;
}

/** One JSON call to a payer service. */
export interface PayerCall {
  url: string;
  method?: "GET" | "POST";
  body?: unknown;
  /** Send the gateway's client JWT (CDS Hooks); false sends no Authorization at all. */
  signed: boolean;
  issuer?: string;
  timeoutMs: number;
  /** What the call is, for messages ("CRD discovery", "Claim/$submit"). */
  what: string;
  payer: string;
  /** FHIR endpoints answer FHIR JSON; CDS Hooks endpoints plain JSON. */
  fhir?: boolean;
}

/** The largest payer answer read (a questionnaire package with its libraries fits easily). */
const maxBytes = 5_000_000;

/**
 * Calls a payer and reads its JSON. Never sends a user's token: the only credential is the
 * gateway's own signed JWT. Times out after `timeoutMs` with "upstream_timeout".
 */
export async function callPayer(
  http: PayerHttp,
  call: PayerCall,
): Promise<{ status: number; body: unknown }> {
  const type = call.fhir ? "application/fhir+json" : "application/json";
  const headers = new Headers({ accept: type });
  if (call.body !== undefined) headers.set("content-type", type);
  if (call.signed) {
    headers.set(
      "authorization",
      `Bearer ${await http.signer.sign(call.url, { issuer: call.issuer })}`,
    );
  }
  const signal = AbortSignal.timeout(call.timeoutMs);
  let response: Response;
  try {
    response = await http.fetch(call.url, {
      method: call.method ?? (call.body === undefined ? "GET" : "POST"),
      headers,
      body: call.body === undefined ? undefined : JSON.stringify(call.body),
      redirect: "manual",
      signal,
    });
  } catch (err) {
    if (signal.aborted) {
      throw new GatewayError(
        "upstream_timeout",
        `The payer "${call.payer}" did not answer ${call.what} within ${call.timeoutMs} ms.`,
      );
    }
    throw new GatewayError(
      "upstream_unreachable",
      `The payer "${call.payer}" could not be reached for ${call.what}.`,
      {
        cause: err,
      },
    );
  }
  let text: string;
  try {
    // Aborting the fetch signal also errors its body stream, so the timeout covers the body.
    text = response.body ? await readBounded(response.body, maxBytes) : "";
  } catch (err) {
    if (err instanceof GatewayError) throw err;
    throw new GatewayError(
      "upstream_timeout",
      `The payer "${call.payer}" did not finish answering ${call.what} within ${call.timeoutMs} ms.`,
    );
  }
  let body: unknown;
  if (text.trim()) {
    try {
      body = JSON.parse(text);
    } catch {
      throw new GatewayError(
        "upstream_error",
        `The payer "${call.payer}" answered ${call.what} with something other than JSON.`,
      );
    }
  }
  if (response.status >= 300) {
    const detail = outcomeDetail(body);
    throw new GatewayError(
      response.status === 404 ? "not_found" : "upstream_error",
      `The payer "${call.payer}" answered ${call.what} with ${response.status}${
        detail ? `: ${detail}` : "."
      }`,
      {
        status: response.status === 404 ? 404 : 502,
        hint: response.status === 401 || response.status === 403
          ? "The payer refused the gateway's client JWT: register the gateway's JWKS URL (/.well-known/jwks.json) and client id with the payer."
          : undefined,
      },
    );
  }
  return { status: response.status, body };
}

function outcomeDetail(body: unknown): string {
  const issues = (body as {
      resourceType?: string;
      issue?: Array<{ diagnostics?: string; details?: { text?: string } }>;
    })
      ?.resourceType === "OperationOutcome"
    ? (body as { issue: Array<{ diagnostics?: string; details?: { text?: string } }> }).issue ??
      []
    : [];
  return issues.map((i) => i.details?.text ?? i.diagnostics ?? "").filter(Boolean).join("; ").slice(
    0,
    300,
  );
}
