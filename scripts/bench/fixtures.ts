/**
 * The static FHIR answers the bench's upstream (nginx) serves: a small Patient, searchsets of
 * 100 to 10,000 entries (about 620 B each, every fullUrl and link under the upstream base, so
 * the gateway and nginx's `sub_filter` have URLs to rewrite) and a large Binary to stream.
 */
import { mkdir, writeFile } from "node:fs/promises";

/** Entry counts of the searchsets, served at `Observation?_count=<n>`. */
export const bundleSizes = [100, 1_000, 5_000, 10_000] as const;

/** A Patient of about 160 bytes. */
export function patient(id: string): Record<string, unknown> {
  return {
    resourceType: "Patient",
    id,
    meta: { versionId: "1" },
    active: true,
    name: [{ family: "Hermiston", given: ["Johnnie"] }],
    gender: "male",
    birthDate: "1970-01-01",
  };
}

/** A searchset Bundle of `n` Observations whose URLs lie under `base`. */
export function searchset(n: number, base: string): Record<string, unknown> {
  return {
    resourceType: "Bundle",
    id: `bench-${n}`,
    type: "searchset",
    total: n,
    link: [
      { relation: "self", url: `${base}/Observation?_count=${n}` },
      { relation: "next", url: `${base}/Observation?_count=${n}&_offset=${n}` },
    ],
    entry: Array.from({ length: n }, (_, i) => ({
      fullUrl: `${base}/Observation/obs-${i}`,
      resource: {
        resourceType: "Observation",
        id: `obs-${i}`,
        meta: { versionId: "1", lastUpdated: "2026-01-01T00:00:00.000Z" },
        status: "final",
        category: [{
          coding: [{
            system: "http://terminology.hl7.org/CodeSystem/observation-category",
            code: "vital-signs",
          }],
        }],
        code: {
          coding: [{ system: "http://loinc.org", code: "8867-4", display: "Heart rate" }],
          text: "Heart rate",
        },
        subject: { reference: "Patient/p1" },
        effectiveDateTime: "2026-01-01T00:00:00Z",
        valueQuantity: {
          value: 60 + (i % 40),
          unit: "beats/minute",
          system: "http://unitsofmeasure.org",
          code: "/min",
        },
      },
      search: { mode: "match" },
    })),
  };
}

/** Writes the files under `root/fhir/`; returns their sizes in bytes by name. */
export async function writeFixtures(
  root: string,
  base: string,
  streamMb: number,
): Promise<Record<string, number>> {
  const dir = `${root}/fhir`;
  await mkdir(`${dir}/Patient`, { recursive: true });
  await mkdir(`${dir}/Binary`, { recursive: true });
  const sizes: Record<string, number> = {};
  const put = async (name: string, body: string | Uint8Array) => {
    await writeFile(`${dir}/${name}`, body, { mode: 0o644 });
    sizes[name] = typeof body === "string" ? Buffer.byteLength(body) : body.byteLength;
  };
  await put("Patient/p1", JSON.stringify(patient("p1")));
  for (const n of bundleSizes) {
    await put(`Observation-${n}.json`, JSON.stringify(searchset(n, base)));
  }
  await put("Binary/big", new Uint8Array(streamMb << 20).fill(97));
  return sizes;
}
