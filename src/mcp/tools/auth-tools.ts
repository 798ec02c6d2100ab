import { z } from "zod";
import type { AuthStatus } from "../../auth/types.ts";
import { loginWait } from "../../core/login-operations.ts";
import { callerFor, type McpContext } from "../context.ts";
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
  const { login } = ctx.gateway;
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
      const started = await login.start(await callerFor(ctx, args.auth_handle), args.platform_id, {
        scopes: args.scopes,
      });
      return jsonResult({
        platform: started.platform,
        authorization_url: started.authorizationUrl,
        ...(started.userCode ? { user_code: started.userCode } : {}),
        login_expires_at: started.expiresAt,
        auth_handle: started.handle.handle,
        auth_handle_expires_at: started.handle.expiresAt,
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
      timeout_seconds: z.number().int().min(1).max(loginWait.maxSeconds)
        .default(loginWait.defaultSeconds)
        .describe(
          "Many clients give up on a call after 60 s: keep it under that and call again while pending.",
        ),
      auth_handle: authHandle,
    },
    output: { status: statusShape, next_step: z.string().optional() },
    annotations: hints.readsPlatform,
    async run(args, extra) {
      const progress = progressSender(extra, args.timeout_seconds);
      await progress(0);
      const status = await login.wait(await callerFor(ctx, args.auth_handle), args.platform_id, {
        timeoutSeconds: args.timeout_seconds,
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
      const logins = await login.status(await callerFor(ctx, args.auth_handle), args.platform_id);
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
      const status = await login.revoke(await callerFor(ctx, args.auth_handle), args.platform_id);
      return jsonResult({ platform: status.platform, revoked: true }, budget);
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
