import type { Json } from "./_json.ts";
import type { Bundle, Library, ValueSet } from "@medplum/fhirtypes";
import { type CqlEngine, settle } from "./_engines.ts";

/** The results of every packaged Library for one patient: library name -> define -> value. */
export type CqlResults = Map<string, Record<string, unknown>>;

/** A packaged Library's ELM (JSON), or why it has none. */
function elmOf(library: Library): { elm?: Record<string, Json>; why?: string } {
  const content = library.content?.find((c) => c.contentType?.startsWith("application/elm+json"));
  if (!content?.data) return { why: "it carries no application/elm+json content" };
  try {
    const text = new TextDecoder().decode(
      Uint8Array.from(atob(content.data), (c) => c.charCodeAt(0)),
    );
    const elm = JSON.parse(text);
    if (!elm?.library?.identifier?.id) return { why: "its ELM has no library identifier" };
    return { elm };
  } catch {
    return { why: "its ELM is not base64 JSON" };
  }
}

/** ValueSets as cql-execution's code service reads them (expansion, else enumerated compose). */
function codeService(
  cql: CqlEngine["cql"],
  valueSets: ValueSet[],
): InstanceType<CqlEngine["cql"]["CodeService"]> {
  const data: Record<
    string,
    Record<string, Array<{ code: string; system: string; version?: string }>>
  > = {};
  for (const vs of valueSets) {
    if (!vs.url) continue;
    const codes = [
      ...(vs.expansion?.contains ?? []).map((c) => ({
        code: c.code!,
        system: c.system!,
        version: c.version,
      })),
      ...(vs.compose?.include ?? []).flatMap((inc) =>
        (inc.concept ?? []).map((c) => ({
          code: c.code,
          system: inc.system!,
          version: inc.version,
        }))
      ),
    ].filter((c) => c.code && c.system);
    data[vs.url] = { [vs.version ?? ""]: codes };
  }
  return new cql.CodeService(data);
}

/**
 * Runs each Library's ELM over the patient's record (a collection Bundle) with cql-execution
 * and cql-exec-fhir (imported here on first use). A library that fails is reported, not fatal
 * to the others; an engine that cannot be loaded is reported once.
 */
export async function runLibraries(
  libraries: Library[],
  valueSets: ValueSet[],
  record: Bundle,
  now: Date,
  loadCql: () => Promise<CqlEngine>,
): Promise<{ results: CqlResults; problems: string[] }> {
  const results: CqlResults = new Map();
  const problems: string[] = [];
  const elms = new Map<string, Record<string, Json>>();
  for (const lib of libraries) {
    const { elm, why } = elmOf(lib);
    if (elm) elms.set(elm.library.identifier.id, elm);
    else problems.push(`Library ${lib.name ?? lib.url ?? lib.id}: ${why}.`);
  }
  if (elms.size === 0) return { results, problems };
  const loaded = await settle(loadCql);
  if ("unavailable" in loaded) {
    problems.push(`CQL: ${loaded.unavailable}`);
    return { results, problems };
  }
  const { cql, fhir } = loaded.engine;
  const repository = new cql.Repository(Object.fromEntries(elms));
  const codes = codeService(cql, valueSets);
  const at = cql.DateTime.fromJSDate(now, 0);
  for (const [name, elm] of elms) {
    try {
      const library = new cql.Library(elm, repository);
      const source = fhir.PatientSource.FHIRv401();
      source.loadBundles([record]);
      const out = await new cql.Executor(library, codes).exec(source, at);
      const patient = Object.values(out.patientResults)[0] as Record<string, unknown> | undefined;
      results.set(name, patient ?? {});
    } catch (err) {
      problems.push(
        `Library ${name} failed to run: ${
          err instanceof Error ? err.message.slice(0, 200) : "error"
        }.`,
      );
    }
  }
  return { results, problems };
}
