import { z } from "zod";

/** Settings of /metrics, read from the environment snapshot in Config.env. */
export interface MetricsSettings {
  /** Serve /metrics (FHIR_GATEWAY_METRICS, default on). */
  enabled: boolean;
  /** When set, /metrics asks for `Authorization: Bearer <token>` (FHIR_GATEWAY_METRICS_TOKEN). */
  token?: string;
  /** Also export the runtime's process metrics (FHIR_GATEWAY_METRICS_PROCESS, default on). */
  processMetrics: boolean;
}

const onOff = z.enum(["on", "off", "true", "false", "1", "0"]).transform((v) =>
  v === "on" || v === "true" || v === "1"
);
const schema = z.object({
  FHIR_GATEWAY_METRICS: onOff.default(true),
  FHIR_GATEWAY_METRICS_TOKEN: z.string().min(16, "use at least 16 characters").optional(),
  FHIR_GATEWAY_METRICS_PROCESS: onOff.default(true),
});

/** Parses the metrics settings; throws an Error naming each bad variable. */
export function metricsSettings(
  env: Readonly<Record<string, string | undefined>>,
): MetricsSettings {
  const present: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== "") present[key] = value;
  }
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${String(i.path[0])}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join("\n")}`);
  }
  return {
    enabled: parsed.data.FHIR_GATEWAY_METRICS,
    token: parsed.data.FHIR_GATEWAY_METRICS_TOKEN,
    processMetrics: parsed.data.FHIR_GATEWAY_METRICS_PROCESS,
  };
}
