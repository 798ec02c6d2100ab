import type { Json } from "../../src/coverage/_json.ts";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const fixtures = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures");

/** One of the guides' own examples (test/fixtures/davinci/), parsed fresh each call. */
export function guideExample<T = Record<string, Json>>(name: string): T {
  return JSON.parse(readFileSync(join(fixtures, "davinci", name), "utf8")) as T;
}

/** A file of test/fixtures/cql/ as text. */
export function cqlFixture(name: string): string {
  return readFileSync(join(fixtures, "cql", name), "utf8");
}

const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");

/**
 * The DTR package for the wrist MRI: the Questionnaire first, then its CQL Library with the
 * CQL text and its ELM (JSON), as the $questionnaire-package operation requires. The guide's
 * own package example has no Library, so this one was written for the tests.
 */
export function wristMriPackage(): Record<string, Json> {
  const questionnaire = JSON.parse(cqlFixture("Questionnaire-wrist-mri.json"));
  const library = {
    resourceType: "Library",
    id: "WristMriPriorAuth",
    url: "http://payer.example/fhir/Library/WristMriPriorAuth",
    version: "1.0.0",
    name: "WristMriPriorAuth",
    status: "active",
    type: {
      coding: [{
        system: "http://terminology.hl7.org/CodeSystem/library-type",
        code: "logic-library",
      }],
    },
    content: [
      { contentType: "text/cql", data: b64(cqlFixture("WristMriPriorAuth.cql")) },
      { contentType: "application/elm+json", data: b64(cqlFixture("WristMriPriorAuth.json")) },
    ],
  };
  return {
    resourceType: "Bundle",
    id: "wrist-mri-package",
    meta: {
      profile: ["http://hl7.org/fhir/us/davinci-dtr/StructureDefinition/DTR-QPackageBundle"],
    },
    type: "collection",
    entry: [
      {
        fullUrl: "http://payer.example/fhir/Questionnaire/wrist-mri-prior-auth",
        resource: questionnaire,
      },
      { fullUrl: "http://payer.example/fhir/Library/WristMriPriorAuth", resource: library },
    ],
  };
}
