/**
 * Issue 8 item 7: status() listed keys by prefix (a SCAN over all of Redis) on every call.
 * It now reads the owner's login index; this counts the store's list calls to prove it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemorySpace, createMemoryStore } from "../../src/store/memory-store.ts";
import type { KeyValueStore } from "../../src/store/types.ts";
import { type AuthWorld, loginKey, pid, startAuthWorld } from "./_world.ts";

let lists = 0;
function countingLists(store: KeyValueStore): KeyValueStore {
  return {
    ...store,
    list: (prefix) => {
      lists++;
      return store.list(prefix);
    },
  };
}

describe("auth status of an owner", () => {
  let world: AuthWorld;
  beforeAll(async () => {
    const space = createMemorySpace();
    world = await startAuthWorld({
      openStore: (now) => Promise.resolve(countingLists(createMemoryStore({ space, now }))),
    });
  });
  afterAll(async () => await world?.close());

  it("lists pending and active logins without listing store keys, and forgets them on logout", async () => {
    const http = world.client();
    const key = await loginKey(world, http);
    const owner = key.slice("tokens:".length, key.lastIndexOf(`:${pid}`));
    const other = await world.auth.startLogin("session:someone-else", pid);
    expect(other.authorizationUrl).toBeTruthy();

    lists = 0;
    const statuses = await world.auth.status(owner);
    expect(statuses.map((s) => [s.platform, s.state])).toEqual([[pid, "active"]]);
    expect(await world.auth.status("session:someone-else")).toMatchObject([
      { platform: pid, state: "pending" },
    ]);
    expect(await world.auth.status("session:nobody")).toEqual([]);
    const rest = await http.fetch(`${world.gateway}/auth/status`);
    expect(rest.status).toBe(200);
    await rest.body?.cancel();
    expect(lists).toBe(0);

    await world.auth.logout(owner, pid);
    expect(await world.auth.status(owner)).toEqual([]);
    expect(lists).toBe(0);
  });
});
