/**
 * Re-seals every value in the session store under the newest master key, so older keys can
 * be dropped afterwards. Reads the same settings as the gateway (FHIR_GATEWAY_STORE,
 * FHIR_GATEWAY_REDIS_URL, FHIR_GATEWAY_DATA_DIR, FHIR_GATEWAY_MASTER_KEY):
 *
 *   FHIR_GATEWAY_MASTER_KEY="<new>,<old>" npx tsx scripts/reseal-vault.ts
 *   (or: npx deno run --allow-env --allow-read --allow-write --allow-net --allow-ffi scripts/reseal-vault.ts)
 *
 * Prints the counts as JSON; exits 1 when some value did not open with any configured key
 * (keep the old key until those are dealt with). Safe to run while gateways serve, and again.
 */
import { parseConfig } from "../src/config.ts";
import { createLogger } from "../src/log.ts";
import { readEnv } from "../src/runtime/env.ts";
import { openStore } from "../src/store/open-store.ts";
import { resealVault } from "../src/store/reseal.ts";
import { exitProcess, fail } from "./_cli.ts";

const config = parseConfig(await readEnv());
if (config.store === "memory") await fail("The memory store holds nothing to reseal.");
const log = createLogger("warn");
const { store, vault } = await openStore(config, log);
try {
  const report = await resealVault(vault);
  console.log(JSON.stringify({ store: store.name, ...report }));
  await store.close();
  await exitProcess(report.failed > 0 ? 1 : 0);
} catch (err) {
  await store.close().catch(() => {});
  await fail(`Reseal stopped: ${err instanceof Error ? err.message : String(err)}`);
}
