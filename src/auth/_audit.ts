import type { LoginEvent, RefreshEvent, RevocationEvent } from "../audit/events.ts";
import { ownerTag } from "../core/caller.ts";
import type { AuthContext } from "./_context.ts";

type AuthEvent =
  | Omit<LoginEvent, "session">
  | Omit<RefreshEvent, "session">
  | Omit<RevocationEvent, "session">;

/**
 * Records a login, refresh or revocation in the audit log with the owner's tag (never the
 * owner or a session id), before the step answers. Never throws: auditing cannot fail a login.
 */
export async function auditAuth(
  ctx: AuthContext,
  owner: string | undefined,
  event: AuthEvent,
): Promise<void> {
  if (!ctx.audit) return;
  const session = owner ? await ownerTag(owner) : "anonymous";
  ctx.audit.record({ ...event, session } as LoginEvent | RefreshEvent | RevocationEvent);
}

/** An audit reason code from free text: the first words, lower-case, as `a_b_c`. */
export function reasonCode(text: string): string {
  const code = text.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "")
    .slice(0, 40).replace(/_+$/, "");
  return /^[a-z]/.test(code) ? code : "failed";
}
