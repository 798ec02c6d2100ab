/**
 * Prints a new master key line, `kid:base64url(32 random bytes)`, for FHIR_GATEWAY_MASTER_KEY.
 *
 *   npx tsx scripts/generate-master-key.ts        (or: npx deno run scripts/generate-master-key.ts)
 *
 * To rotate, put the new line FIRST and keep the old ones after it, comma-separated:
 *   FHIR_GATEWAY_MASTER_KEY="<new line>,<old line>"
 */
import { generateMasterKeyLine } from "../src/store/master-keys.ts";

console.log(generateMasterKeyLine());
