import type { Bundle, Resource } from "@medplum/fhirtypes";
import type { FhirReader } from "./_ehr-reader.ts";

/** What a DTR pre-fill reads of the record, one page each (bounded). */
const recordTypes = [
  "Condition",
  "Observation",
  "Procedure",
  "MedicationRequest",
  "Encounter",
  "AllergyIntolerance",
] as const;
const pageSize = "200";

/**
 * The patient's record as one collection Bundle (what cql-exec-fhir reads), gathered from the
 * EHR through the caller's login. A type the EHR refuses is left out and named.
 */
export async function gatherRecord(
  reader: FhirReader,
  patientId: string,
  also: Resource[],
): Promise<{ record: Bundle; patient: Resource; missing: string[] }> {
  const patient = await reader.read("Patient", patientId);
  const missing: string[] = [];
  const pages = await Promise.all(recordTypes.map(async (type) => {
    try {
      return await reader.search(
        type,
        new URLSearchParams({ patient: `Patient/${patientId}`, _count: pageSize }),
      );
    } catch {
      missing.push(type);
      return [];
    }
  }));
  const seen = new Set<string>();
  const entries = [patient, ...pages.flat(), ...also].filter((r) => {
    const key = `${r.resourceType}/${r.id}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return {
    record: {
      resourceType: "Bundle",
      type: "collection",
      entry: entries.map((resource) => ({ resource })),
    },
    patient,
    missing,
  };
}
