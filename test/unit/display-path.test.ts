import { describe, expect, it } from "vitest";
import { builtinPlatformsDir, displayPath } from "../../src/load-catalog.ts";

describe("displayPath names platform files without the server's layout", () => {
  it("names shipped files platforms/<file>", () => {
    expect(displayPath(`${builtinPlatformsDir}/epic.json`, [builtinPlatformsDir])).toBe(
      "platforms/epic.json",
    );
  });

  it("names an operator's file by its folder name only", () => {
    const dirs = [builtinPlatformsDir, "/srv/secret/layout/my-platforms/"];
    expect(displayPath("/srv/secret/layout/my-platforms/acme.json", dirs)).toBe(
      "my-platforms/acme.json",
    );
  });
});
