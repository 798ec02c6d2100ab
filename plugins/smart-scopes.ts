import { definePlugin } from "../src/plugin.ts";
import { rewriteScopeList, scopeVersionOf } from "./_scope-syntax.ts";

/**
 * SMART App Launch v1 <-> v2 scope rewriting: `patient/*.read` <-> `patient/*.rs`,
 * `.write` <-> `.cud`, `.*` <-> `.cruds`, so a caller can ask in either syntax.
 */
export default definePlugin({
  name: "smart-scopes",
  platforms: "*",
  order: 30,
  rewriteScopes(scopes, ctx) {
    const target = scopeVersionOf(ctx);
    if (!target) return scopes;
    const out = rewriteScopeList(scopes, target);
    if (out.join(" ") !== scopes.join(" ")) {
      ctx.log.debug("scopes rewritten", { platform: ctx.platform.key, to: target });
    }
    return out;
  },
});
