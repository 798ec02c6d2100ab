import { describe, expect, it } from "vitest";
import { CookieJar } from "../peers/cookie-jar.ts";
import { startStaticPeer, unusedPortUrl } from "../peers/fhir-server.ts";

describe("static peer and helpers", () => {
  it("answers with the handler's Response and logs the request", async () => {
    const peer = await startStaticPeer(() =>
      new Response("slow down", { status: 429, headers: { "retry-after": "2" } })
    );
    try {
      const response = await fetch(`${peer.url}/fhir/Patient`, {
        headers: { accept: "application/fhir+json" },
      });
      expect(response.status).toBe(429);
      expect(response.headers.get("retry-after")).toBe("2");
      expect(peer.requests[0]).toMatchObject({ method: "GET", url: `${peer.url}/fhir/Patient` });
      expect(peer.requests[0]?.headers.accept).toBe("application/fhir+json");
    } finally {
      await peer.close();
    }
  });

  it("closes promptly while a slow answer is still pending", async () => {
    const peer = await startStaticPeer(async () => {
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      return new Response("late");
    });
    const slow = fetch(peer.url, { signal: AbortSignal.timeout(200) });
    await expect(slow).rejects.toThrow();
    const started = Date.now();
    await peer.close();
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it("gives a URL where the connection is refused", async () => {
    await expect(fetch(await unusedPortUrl())).rejects.toThrow();
  });

  it("keeps cookies per path and drops expired ones", () => {
    const jar = new CookieJar();
    const origin = "http://127.0.0.1:1";
    jar.store(new URL(`${origin}/interaction/abc`), [
      "_interaction=1; path=/interaction/abc; httponly",
    ]);
    jar.store(new URL(`${origin}/auth`), ["_session=2; path=/", "gone=3; path=/; max-age=0"]);
    expect(jar.header(new URL(`${origin}/interaction/abc`))).toBe("_interaction=1; _session=2");
    expect(jar.header(new URL(`${origin}/interaction/abcd`))).toBe("_session=2");
    expect(jar.names(new URL(`${origin}/`))).toEqual(["_session"]);
  });
});
