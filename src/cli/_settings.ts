import { type Config, ConfigError, parseConfig } from "../config.ts";
import { readEnv } from "../runtime/env.ts";
import { CliError, exitCodes } from "./exit-codes.ts";

/** The environment and the gateway's settings parsed from it, as the server would. */
export async function loadSettings(): Promise<
  { env: Record<string, string | undefined>; config: Config }
> {
  const env = await readEnv();
  try {
    return { env, config: parseConfig(env) };
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(exitCodes.config, err.message);
    throw err;
  }
}
