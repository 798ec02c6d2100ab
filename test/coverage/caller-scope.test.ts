import { describe, expect, it } from "vitest";
import type { Caller } from "../../src/core/caller.ts";
import type { CoverageDeps } from "../../src/coverage/_deps.ts";
import { openStep } from "../../src/coverage/_step.ts";
import { createCatalog } from "../../src/catalog/catalog.ts";
import { toPlatform } from "../../src/catalog/load.ts";
import { platformFileSchema } from "../../src/catalog/schema.ts";

const payer = toPlatform(
  "platforms/test-payer.json",
  platformFileSchema.parse({
    id: "test-payer",
    name: "Test Payer",
    type: "payer",
    services: { pas: { fhir_base_url: "https://payer.example/fhir" } },
  }),
  {},
);
const deps = {
  catalog: createCatalog([payer]),
  env: {},
  now: () => 0,
  readerFor: () => ({}) as never,
} as unknown as CoverageDeps;
const caller = (scope: Caller["scope"]): Caller => ({
  kind: "api_key",
  owner: "o",
  tag: "t",
  scope,
});
const step = (c: Caller, writes = false) => () =>
  openStep(deps, { payer: "test-payer", ehr: "ehr", caller: c }, "pas", writes);

describe("coverage steps honour a scoped credential (the payer is called outside the FHIR core)", () => {
  it("refuses a payer the credential does not cover", () => {
    expect(step(caller({ platforms: ["ehr"] }))).toThrow(
      'This credential is not valid for "test-payer".',
    );
    expect(step(caller({ platforms: ["ehr", "test-payer"] }))).not.toThrow();
  });

  it("lets a read-only credential check and inquire, but not submit", () => {
    expect(step(caller({ readOnly: true }))).not.toThrow();
    expect(step(caller({ readOnly: true }), true)).toThrow(/may only read/);
    expect(step(caller(undefined), true)).not.toThrow();
  });
});
