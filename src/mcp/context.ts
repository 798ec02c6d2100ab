import type { SessionService } from "../auth/types.ts";
import { type Caller, ownerTag } from "../core/caller.ts";
import type { Gateway } from "../core/gateway.ts";
import type { CoverageService } from "../coverage/coverage-service.ts";
import { GatewayError } from "../errors.ts";
import type { Logger } from "../log.ts";

/** What every tool, resource and prompt of one MCP session works with. */
export interface McpContext {
  gateway: Gateway;
  /** Gateway sessions (auth handles); absent when the gateway runs without them. */
  sessions?: SessionService;
  log: Logger;
  /** Prior authorization (CRD, DTR, PAS); absent when the app runs without it. */
  coverage?: CoverageService;
  /** Byte budget of one tool answer. */
  maxResponseBytes: number;
  /** Which names the search tools take (see FHIR_GATEWAY_MCP_TOOLSET); default "fhir". */
  toolset?: "fhir" | "connector";
  /** The gateway session this MCP session is tied to. */
  session: GatewaySessionRef;
  /**
   * The caller the request itself names (a gateway token or API key), when it names one;
   * it wins over the MCP session's gateway session.
   */
  caller?: Caller;
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
 * Who a tool call is: the caller the request names (a signed-in person, an API key), else
 * the owner an `auth_handle` names (so a client whose MCP session changed still reaches its
 * logins), else this MCP session's gateway session. A forged or expired handle is refused,
 * never ignored.
 */
export async function callerFor(ctx: McpContext, authHandle?: string): Promise<Caller> {
  if (ctx.caller && ctx.caller.kind !== "anonymous") return ctx.caller;
  if (authHandle !== undefined && authHandle !== "") {
    if (!ctx.sessions) {
      throw new GatewayError(
        "forbidden",
        "This gateway runs without logins, so auth_handle is not accepted.",
        { next: "new_handle" },
      );
    }
    const owner = await ctx.sessions.resolveHandle(authHandle);
    return { kind: "handle", owner, tag: await ownerTag(owner) };
  }
  const owner = ctx.session.owner();
  const ensureOwner = async () => {
    const created = await ctx.session.ensure();
    if (!created) {
      throw new GatewayError("platform_unavailable", "This gateway runs without SMART logins.", {
        next: "list_platforms",
      });
    }
    return created;
  };
  return { kind: "mcp", owner, ensureOwner, tag: owner ? await ownerTag(owner) : "mcp-new" };
}
