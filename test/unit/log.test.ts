import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/log.ts";

describe("the logger never writes secrets", () => {
  const capture = () => {
    const lines: string[] = [];
    return { lines, log: createLogger("debug", (line) => lines.push(line)) };
  };

  it("redacts secret-looking fields whatever they hold", () => {
    const { lines, log } = capture();
    log.info("token exchange", { access_token: "abc123", nested: { client_secret: "s3cret" } });
    expect(lines[0]).not.toContain("abc123");
    expect(lines[0]).not.toContain("s3cret");
    expect(lines[0]).toContain("[redacted]");
  });

  it("masks a JWT or a bearer token inside free text, e.g. a plugin's error message", () => {
    const { lines, log } = capture();
    const jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyMSJ9.c2lnbmF0dXJlLXZhbHVl";
    log.error("plugin hook failed", {
      error: `upstream refused ${jwt}; header Bearer opaque-token-value-123`,
    });
    expect(lines[0]).not.toContain(jwt);
    expect(lines[0]).not.toContain("opaque-token-value-123");
    expect(lines[0]).toContain("plugin hook failed");
  });

  it("drops lines below its level", () => {
    const { lines, log } = capture();
    createLogger("warn", (l) => lines.push(l)).info("quiet");
    log.debug("loud");
    expect(lines).toHaveLength(1);
  });

  it("a line below the level costs no field work: its fields are never read", () => {
    const lines: string[] = [];
    const log = createLogger("warn", (l) => lines.push(l));
    let reads = 0;
    const fields = {
      get route() {
        reads++;
        return "/x";
      },
    };
    log.info("request", fields);
    log.debug("detail", fields);
    expect(reads).toBe(0);
    expect(log.enabled("info")).toBe(false);
    expect(log.enabled("warn")).toBe(true);
    log.warn("kept", fields);
    expect(reads).toBe(1);
    expect(lines).toHaveLength(1);
  });
});
