import { describe, expect, it } from "vitest";
import { parsePlatformFile } from "../../src/catalog/load.ts";
import { capabilityFlags } from "../../src/catalog/schema.ts";
import { platformOf } from "./_platform.ts";

const file = (capabilities: Record<string, unknown>) =>
  JSON.stringify({ id: "acme", name: "Acme", type: "payer", capabilities });

describe("capability flags", () => {
  it("accepts every known flag", () => {
    const all = Object.fromEntries(capabilityFlags.map((f) => [f, true]));
    const parsed = parsePlatformFile("platforms/acme.json", file(all));
    expect("platform" in parsed && parsed.platform.capabilities).toEqual(all);
  });

  // Regression (issue 8 item 8): capabilities was a record of any name, so a typo such as
  // `patient_everthing: false` silently did nothing.
  it("refuses a typo, naming the file and the field, and suggests the flag", () => {
    const parsed = parsePlatformFile(
      "platforms/acme.json",
      file({ crd: true, patient_everthing: false }),
    );
    expect(parsed).toEqual({
      error: [
        expect.stringMatching(
          /^platforms\/acme\.json: capabilities\.patient_everthing: is not a capability flag \(did you mean "patient_everything"\?\); known flags: bulk_data, /,
        ),
      ],
    });
  });

  it("refuses an unknown flag without a near match, and a non-boolean value", () => {
    const unknown = parsePlatformFile("platforms/acme.json", file({ telepathy: true }));
    expect("error" in unknown && unknown.error).toEqual([
      expect.stringMatching(/: capabilities\.telepathy: is not a capability flag; known flags: /),
    ]);
    const notBoolean = parsePlatformFile("platforms/acme.json", file({ pas: "yes" }));
    expect("error" in notBoolean && notBoolean.error).toEqual([
      expect.stringMatching(/^platforms\/acme\.json: capabilities\.pas: /),
    ]);
  });

  it("is typed: plugins read flags by name", () => {
    const p = platformOf({ id: "acme", capabilities: { smart_v2: true } });
    expect(p.capabilities.smart_v2).toBe(true);
    expect(p.capabilities.smart_v1).toBeUndefined();
  });
});
