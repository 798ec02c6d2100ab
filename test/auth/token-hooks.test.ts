import { afterAll, beforeAll, expect, it } from "vitest";
import type { AuthStatus } from "../../src/auth/types.ts";
import { definePlugin } from "../../src/hooks/define-plugin.ts";
import { type AuthWorld, login, pid, startAuthWorld } from "./_world.ts";

// A plugin's tokenResponse hook sees the platform's answer before it is validated: here it
// breaks the id_token's signature on request, so the gateway's JWKS check must refuse it.
let breakSignature = false;
const seen: string[] = [];
const tamper = definePlugin({
  name: "test-token-tamper",
  platforms: [pid],
  tokenResponse(tokens) {
    seen.push(Object.keys(tokens).sort().join(","));
    if (!breakSignature || typeof tokens.id_token !== "string") return tokens;
    const [h, p, sig] = tokens.id_token.split(".") as [string, string, string];
    const flipped = (sig[0] === "A" ? "B" : "A") + sig.slice(1);
    return { ...tokens, id_token: `${h}.${p}.${flipped}` };
  },
});

let world: AuthWorld;
beforeAll(async () => {
  world = await startAuthWorld({ plugins: [tamper] });
});
afterAll(async () => await world?.close());

it("runs tokenResponse hooks on the code exchange and checks the id_token signature", async () => {
  const ok = await login(world, world.client());
  expect(ok.status).toBe(200);
  expect(seen.at(-1)).toContain("id_token");

  breakSignature = true;
  const http = world.client();
  const refused = await login(world, http);
  expect(refused.status).toBe(400);
  expect(refused.html).toContain('data-outcome="failed"');
  expect(refused.html).toContain("did not validate");
  const status = await (await http.fetch(`${world.gateway}/auth/${pid}/status`)).json();
  expect(status as AuthStatus).toMatchObject({ state: "none", authenticated: false });
});
