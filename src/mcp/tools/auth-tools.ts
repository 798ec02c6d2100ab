import { z } from "zod";
import type { AuthStatus } from "../../auth/types.ts";
import { loginOwner, type McpContext } from "../context.ts";
import { hints } from "../annotations.ts";
import { defineTool, type ToolExtra, type ToolSpec } from "../define-tool.ts";
import { jsonResult } from "../tool-result.ts";
import { authHandle, platformId } from "./_fields.ts";

const statusShape = z.looseObject({
  platform: z.string(),
  authenticated: z.boolean(),
  state: z.enum(["none", "pending", "active", "expired"]),
});

/** What to do after a status, in words. */
function nextStepFor(s: AuthStatus): string | undefined {
  switch (s.state) {
    case "active":
      return undefined;
    case "pending":
      return "The user has not finished logging in: call wait_for_auth.";
    case "expired":
      return "The login expired: call start_auth again.";
    default:
      return "Not logged in: call start_auth.";
  }
}

const withNextStep = (s: AuthStatus) => {
  const next = nextStepFor(s);
  return { ...s, ...(next ? { next_step: next } : {}) };
};

/** start_auth, wait_for_auth, get_auth_status and revoke_auth. */
export function authTools(ctx: McpContext): ToolSpec<z.ZodRawShape>[] {
  const budget = { maxBytes: ctx.maxResponseBytes, howToGetMore: "Ask for one platform_id." };

  const start = defineTool({
    name: "start_auth",
    title: "Start a SMART login",
    description:
      "Starts a SMART on FHIR login to a platform. Show the user both authorization_url and " +
      "user_code: they open the URL in their browser, check that the page shows the same code, " +
      "press Continue and log in. Then call wait_for_auth. Keep auth_handle: pass it to later " +
      "calls if the MCP connection changes.",
    input: {
      platform_id: platformId,
      scopes: z.array(z.string().min(1).max(200)).max(50).optional()
        .describe("Scopes to ask for; the platform's defaults when absent."),
      auth_handle: authHandle,
    },
    output: {
      platform: z.string(),
      authorization_url: z.string(),
      user_code: z.string().optional(),
      login_expires_at: z.string(),
      auth_handle: z.string(),
      auth_handle_expires_at: z.string(),
      next_step: z.string(),
    },
    annotations: hints.adds,
    async run(args) {
      const { owner, auth, sessions } = await loginOwner(ctx, args.auth_handle);
      const login = await auth.startLogin(owner, args.platform_id, { scopes: args.scopes });
      const handle = await sessions.issueHandle(owner);
      return jsonResult({
        platform: login.platform,
        authorization_url: login.authorizationUrl,
        ...(login.userCode ? { user_code: login.userCode } : {}),
        login_expires_at: login.expiresAt,
        auth_handle: handle.handle,
        auth_handle_expires_at: handle.expiresAt,
        next_step: "Show the user authorization_url and user_code: they open the link, " +
          "continue only if the page shows that same code, and log in. Then call wait_for_auth.",
      }, budget);
    },
  });

  const wait = defineTool({
    name: "wait_for_auth",
    title: "Wait for a login to finish",
    description:
      "Waits until the user finishes the login started by start_auth (or the timeout passes), " +
      "sending progress notifications while it waits.",
    input: {
      platform_id: platformId,
      timeout_seconds: z.number().int().min(1).max(600).default(50)
        .describe(
          "Many clients give up on a call after 60 s: keep it under that and call again while pending.",
        ),
      auth_handle: authHandle,
    },
    output: { status: statusShape, next_step: z.string().optional() },
    annotations: hints.readsPlatform,
    async run(args, extra) {
      const { owner, auth } = await loginOwner(ctx, args.auth_handle);
      const progress = progressSender(extra, args.timeout_seconds);
      await progress(0);
      const status = await auth.waitForLogin(owner, args.platform_id, {
        timeoutMs: args.timeout_seconds * 1000,
        signal: extra.signal,
        onProgress: (elapsedMs) => void progress(elapsedMs),
      });
      const next = status.state === "active"
        ? undefined
        : status.state === "pending"
        ? "Still waiting for the user: call wait_for_auth again, or start_auth for a new link."
        : nextStepFor(status);
      return jsonResult({ status, ...(next ? { next_step: next } : {}) }, budget);
    },
  });

  const status = defineTool({
    name: "get_auth_status",
    title: "Login status",
    description:
      "Shows whether this session is logged in to a platform (or to every platform it used), never a token.",
    input: { platform_id: platformId.optional(), auth_handle: authHandle },
    output: { logins: z.array(statusShape) },
    annotations: hints.readsGateway,
    async run(args) {
      const { owner, auth } = await loginOwner(ctx, args.auth_handle);
      const logins = await auth.status(owner, args.platform_id);
      return jsonResult({ logins: logins.map(withNextStep) }, budget);
    },
  });

  const revoke = defineTool({
    name: "revoke_auth",
    title: "Log out of a platform",
    description: "Revokes the login at the platform when it can, and forgets its tokens.",
    input: { platform_id: platformId, auth_handle: authHandle },
    output: { platform: z.string(), revoked: z.boolean() },
    annotations: hints.replaces,
    async run(args) {
      const { owner, auth } = await loginOwner(ctx, args.auth_handle);
      await auth.logout(owner, args.platform_id);
      const platform = ctx.gateway.catalog.get(args.platform_id).key;
      return jsonResult({ platform, revoked: true }, budget);
    },
  });

  return [start, wait, status, revoke] as ToolSpec<z.ZodRawShape>[];
}

/** Sends `notifications/progress` when the client asked for progress (a progressToken). */
function progressSender(extra: ToolExtra, timeoutSeconds: number) {
  const token = extra._meta?.progressToken;
  return async (elapsedMs: number) => {
    if (token === undefined) return;
    const seconds = Math.min(timeoutSeconds, Math.round(elapsedMs / 1000));
    await extra.sendNotification({
      method: "notifications/progress",
      params: {
        progressToken: token,
        progress: seconds,
        total: timeoutSeconds,
        message: `Waiting for the login to finish (${seconds}s of ${timeoutSeconds}s).`,
      },
    }).catch(() => {});
  };
}
