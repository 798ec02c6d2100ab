import type { IncomingMessage, ServerResponse } from "node:http";
import type { Provider } from "oidc-provider";

/**
 * Finishes oidc-provider's login and consent prompts without a page: every login becomes
 * `accountId`, and consent grants exactly what the prompt reports as missing. A client that
 * follows redirects with a cookie jar goes straight through to the redirect_uri.
 */
export async function approveInteraction(
  provider: Provider,
  accountId: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  let details;
  try {
    details = await provider.interactionDetails(req, res);
  } catch {
    return plain(
      res,
      400,
      "Interaction not found: send the cookies the authorization endpoint set",
    );
  }
  const { prompt, params, session } = details;
  if (prompt.name === "login") {
    return provider.interactionFinished(req, res, { login: { accountId } }, {
      mergeWithLastSubmission: false,
    });
  }
  if (prompt.name !== "consent" || !session) {
    return plain(res, 400, `Unexpected prompt "${prompt.name}"`);
  }

  const existing = details.grantId ? await provider.Grant.find(details.grantId) : undefined;
  const grant = existing ??
    new provider.Grant({ accountId: session.accountId, clientId: String(params.client_id) });
  const missing = prompt.details as {
    missingOIDCScope?: string[];
    missingOIDCClaims?: string[];
    missingResourceScopes?: Record<string, string[]>;
  };
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(" "));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [resource, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
    grant.addResourceScope(resource, scopes.join(" "));
  }
  const grantId = await grant.save();
  return provider.interactionFinished(req, res, { consent: { grantId } }, {
    mergeWithLastSubmission: true,
  });
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.statusCode = status;
  res.setHeader("content-type", "text/plain; charset=utf-8");
  res.end(text);
}
