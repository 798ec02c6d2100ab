/**
 * The public plugin entry (`fhir-gateway/plugin` in package.json `exports`): everything a
 * plugin module needs, so a plugin folder outside this repository imports nothing else.
 *
 * ```ts
 * import { definePlugin } from "fhir-gateway/plugin";
 * export default definePlugin({ name: "my-fix", platforms: ["epic"], beforeRequest: (r) => r });
 * ```
 */
export { definePlugin } from "./hooks/define-plugin.ts";
export type {
  HookContext,
  HookPlatform,
  Plugin,
  PluginHooks,
  SmartDiscovery,
  TokenResponseBody,
  UrlPurpose,
} from "./hooks/define-plugin.ts";
export type { Logger as HookLogger } from "./log.ts";
export type { CapabilityFlag } from "./catalog/schema.ts";
