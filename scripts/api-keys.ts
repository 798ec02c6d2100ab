/**
 * Manages API keys (and makes password hashes for the built-in account list).
 *
 *   npx tsx scripts/api-keys.ts create --person user:local:alice [--platforms epic,cerner]
 *                                      [--access read|read-write] [--label "nightly export"]
 *   npx tsx scripts/api-keys.ts list [--person user:local:alice]
 *   npx tsx scripts/api-keys.ts revoke <key id>
 *   echo -n 'the password' | npx tsx scripts/api-keys.ts hash-password <name>
 *
 * It opens the same store as the gateway (FHIR_GATEWAY_STORE, FHIR_GATEWAY_DATA_DIR,
 * FHIR_GATEWAY_REDIS_URL, FHIR_GATEWAY_MASTER_KEY). A new key is printed once; only its hash
 * is stored. The commands are `apiKeysCommand` in src/identity/api-keys-command.ts.
 */
import { parseConfig } from "../src/config.ts";
import { apiKeysCommand } from "../src/identity/api-keys-command.ts";
import { createLogger } from "../src/log.ts";
import { readEnv } from "../src/runtime/env.ts";
import { openStore } from "../src/store/open-store.ts";
import { exitProcess, parseArgs, scriptArgs } from "./_cli.ts";

export { apiKeysCommand };

const args = parseArgs(await scriptArgs());
const out = (line: string) => console.log(line);
if (args.positional[0] === "hash-password") {
  await exitProcess(await apiKeysCommand(args, { out, readSecret: readStdin }));
} else {
  const config = parseConfig(await readEnv());
  const { store, vault } = await openStore(config, createLogger("warn"));
  const code = await apiKeysCommand(args, { vault, out });
  await store.close();
  await exitProcess(code);
}

async function readStdin(): Promise<string> {
  const d = (globalThis as { Deno?: { stdin: { readable: ReadableStream<Uint8Array> } } }).Deno;
  const stream = d ? d.stdin.readable : (await import("node:stream")).Readable.toWeb(
    (await import("node:process")).default.stdin,
  ) as ReadableStream<Uint8Array>;
  const reader = stream.getReader();
  let text = "";
  const decoder = new TextDecoder();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    text += decoder.decode(value, { stream: true });
    if (text.length > 4096) return text;
  }
}
