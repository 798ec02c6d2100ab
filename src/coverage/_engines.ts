/**
 * The FHIRPath and CQL engines of prior authorization, loaded on first use. fhirpath (with its
 * R4 model, UCUM definitions and luxon) and cql-execution with cql-exec-fhir hold about 20 MB
 * of heap (35-40 MB resident) once imported; a gateway that never pre-fills a questionnaire or
 * fills a CRD prefetch should not carry them. Nothing else in src/ imports these packages:
 * test/coverage/lazy-engines.test.ts fails if creating the app loads them.
 */
import type { Logger } from "../log.ts";

/** FHIRPath over R4 (the fhirpath package with its R4 model). */
export interface FhirPathEngine {
  evaluate(resource: unknown, expression: string, environment: Record<string, unknown>): unknown[];
}

/** cql-execution and cql-exec-fhir's FHIR R4 patient source. */
export interface CqlEngine {
  cql: typeof import("cql-execution").default;
  fhir: typeof import("cql-exec-fhir");
}

/** The engines, each imported on its first call and kept; a failed import is tried again. */
export interface Engines {
  fhirPath(): Promise<FhirPathEngine>;
  cql(): Promise<CqlEngine>;
}

/** How each engine is imported; tests name a package that is not installed. */
export interface EngineImports {
  fhirPath: () => Promise<FhirPathEngine>;
  cql: () => Promise<CqlEngine>;
}

/**
 * An engine that could not be imported (a broken or partial install). Its message is safe to
 * show and names the package; the import's own error (with server paths) is only logged.
 */
export class EngineUnavailable extends Error {
  override name = "EngineUnavailable";
  constructor(readonly engine: string, options: { cause: unknown }) {
    super(
      `The gateway's ${engine} engine could not be loaded, so it did not run; ` +
        "report it to the gateway operator.",
      options,
    );
  }
}

const packageImports: EngineImports = {
  async fhirPath() {
    const [{ default: fhirpath }, { default: r4 }] = await Promise.all([
      import("fhirpath"),
      import("fhirpath/fhir-context/r4"),
    ]);
    return {
      evaluate: (resource, expression, environment) =>
        fhirpath.evaluate(resource as never, expression, environment, r4) as unknown[],
    };
  },
  async cql() {
    const [{ default: cql }, { default: fhir }] = await Promise.all([
      import("cql-execution"),
      import("cql-exec-fhir"),
    ]);
    return { cql, fhir };
  },
};

/** The engines of one coverage service; a failed import is logged with its cause. */
export function createEngines(
  o: { log?: Logger; imports?: EngineImports } = {},
): Engines {
  const imports = o.imports ?? packageImports;
  const lazy = <T>(engine: string, load: () => Promise<T>): () => Promise<T> => {
    let loading: Promise<T> | undefined;
    return () =>
      loading ??= load().catch((err: unknown) => {
        loading = undefined;
        o.log?.error(`coverage: the ${engine} engine could not be loaded`, {
          error: err instanceof Error ? err.message : String(err),
        });
        throw new EngineUnavailable(engine, { cause: err });
      });
  };
  return { fhirPath: lazy("FHIRPath", imports.fhirPath), cql: lazy("CQL", imports.cql) };
}

/** The engine, or the safe message of why it is unavailable. */
export async function settle<T>(
  load: () => Promise<T>,
): Promise<{ engine: T } | { unavailable: string }> {
  try {
    return { engine: await load() };
  } catch (err) {
    if (err instanceof EngineUnavailable) return { unavailable: err.message };
    throw err;
  }
}
