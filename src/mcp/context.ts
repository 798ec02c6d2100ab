import type { AuthService, SessionService } from "../auth/types.ts";
import type { CapabilityCache } from "../core/capabilities.ts";
import { executeJson, type JsonAnswer } from "../core/execute-json.ts";
import type { CallOptions, Gateway } from "../core/gateway.ts";
import { GatewayError } from "../errors.ts";
import type { FhirInteraction } from "../fhir/interaction.ts";
import type { Logger } from "../log.ts";

/** What every tool, resource and prompt of one MCP session works with. */
export interface McpContext {
  gateway: Gateway;
  capabilities: CapabilityCache;
  /** SMART logins; absent when the gateway runs without them. */
  auth?: AuthService;
  /** Gateway sessions; absent when the gateway runs without them. */
  sessions?: SessionService;
  log: Logger;
  /** Byte budget of one tool answer. */
  maxResponseBytes: number;
  /** The gateway session this MCP session is tied to. */
  session: GatewaySessionRef;
}

/** The gateway session of one MCP session, created when a login first needs it. */
export interface GatewaySessionRef {
  /** The owner, when the session exists. */
  owner(): string | undefined;
  /** The owner, creating the gateway session if needed; undefined without SessionService. */
  ensure(): Promise<string | undefined>;
}

/** Ties an MCP session to a gateway session: `initial` (a REST login) or a new one. */
export function gatewaySessionRef(
  sessions: SessionService | undefined,
  initial?: string,
): GatewaySessionRef {
  let owner = initial;
  let creating: Promise<string> | undefined;
  return {
    owner: () => owner,
    async ensure() {
      if (owner || !sessions) return owner;
      creating ??= sessions.create().then((s) => (owner = s.owner));
      return await creating;
    },
  };
}

/**
 * Whose logins a tool call uses: the owner an `auth_handle` names (so a client whose MCP
 * session changed still reaches its logins), else this MCP session's gateway session.
 * A forged or expired handle is refused, never ignored.
 */
export async function ownerFor(ctx: McpContext, authHandle?: string): Promise<string | undefined> {
  if (authHandle === undefined || authHandle === "") return ctx.session.owner();
  if (!ctx.sessions) {
    throw new GatewayError(
      "forbidden",
      "This gateway runs without logins, so auth_handle is not accepted.",
      {
        hint: "Call the tool without auth_handle.",
      },
    );
  }
  return await ctx.sessions.resolveHandle(authHandle);
}

/** The owner and login service for the auth tools, or a clear refusal. */
export async function loginOwner(
  ctx: McpContext,
  authHandle?: string,
): Promise<{ owner: string; auth: AuthService; sessions: SessionService }> {
  const owner = authHandle ? await ownerFor(ctx, authHandle) : await ctx.session.ensure();
  if (!ctx.auth || !ctx.sessions || !owner) {
    throw new GatewayError("platform_unavailable", "This gateway runs without SMART logins.", {
      hint: "Use platforms that need no login (list_platforms shows auth_required).",
    });
  }
  return { owner, auth: ctx.auth, sessions: ctx.sessions };
}

/**
 * Runs one FHIR interaction for a tool call through the core: resolves the platform reference
 * to its key, the caller's owner (session or auth_handle), and reads the JSON answer.
 */
export async function runFhir(
  ctx: McpContext,
  args: { platform_id: string; auth_handle?: string },
  interaction: FhirInteraction,
  options: Omit<CallOptions, "owner"> = {},
): Promise<{ platform: string; answer: JsonAnswer }> {
  const platform = ctx.gateway.catalog.get(args.platform_id).key;
  const owner = await ownerFor(ctx, args.auth_handle);
  const answer = await executeJson(ctx.gateway, platform, interaction, { ...options, owner });
  return { platform, answer };
}
