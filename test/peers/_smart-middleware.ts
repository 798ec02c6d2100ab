import type { KoaContextWithOIDC, Middleware } from "oidc-provider";
import type { SmartState } from "./_oidc-config.ts";

/**
 * Koa middleware around oidc-provider's routes (its documented pre/post-processing hook):
 * SMART `aud` checks and `offline_access` before the authorization endpoint, and the SMART
 * launch context (`patient`, `encounter`) in token responses.
 */
export function smartMiddleware(state: SmartState, authorizationPath: string): Middleware {
  return async (ctx, next) => {
    if (
      ctx.path === authorizationPath && ctx.method === "GET" && !checkAuthorizeRequest(ctx, state)
    ) return;
    await next();
    if (ctx.oidc?.route === "token" && ctx.status === 200) addLaunchContext(ctx.body, state);
  };
}

/** False when the request was refused here (the answer is already set). */
function checkAuthorizeRequest(ctx: KoaContextWithOIDC, state: SmartState): boolean {
  const query = ctx.query;
  if (!state.audience) {
    refuse(
      ctx,
      "The SMART peer has no FHIR audience yet: pass fhirBaseUrl or call setAudience() first",
    );
    return false;
  }
  const aud = typeof query.aud === "string" ? query.aud : undefined;
  if (aud !== undefined && aud.replace(/\/+$/, "") !== state.audience.replace(/\/+$/, "")) {
    refuse(ctx, `aud "${aud}" is not this server's FHIR base "${state.audience}"`);
    return false;
  }
  // oidc-provider drops offline_access unless prompt=consent; SMART clients never send it,
  // and our consent is automatic anyway.
  const scopes = typeof query.scope === "string" ? query.scope.split(" ") : [];
  const prompt = typeof query.prompt === "string" ? query.prompt.split(" ").filter(Boolean) : [];
  if (
    scopes.includes("offline_access") && !prompt.includes("consent") && !prompt.includes("none")
  ) {
    ctx.query = { ...query, prompt: [...prompt, "consent"].join(" ") };
  }
  return true;
}

function refuse(ctx: KoaContextWithOIDC, description: string): void {
  ctx.status = 400;
  ctx.body = { error: "invalid_request", error_description: description };
}

function addLaunchContext(body: unknown, state: SmartState): void {
  if (typeof body !== "object" || body === null || !("access_token" in body)) return;
  const response = body as Record<string, unknown>;
  const scopes = typeof response.scope === "string" ? response.scope.split(" ") : [];
  const wantsPatient = scopes.includes("launch/patient") || scopes.includes("launch") ||
    scopes.some((s) => s.startsWith("patient/"));
  if (wantsPatient) response.patient = state.patient;
  if (state.encounter && (scopes.includes("launch/encounter") || scopes.includes("launch"))) {
    response.encounter = state.encounter;
  }
}
