import type { Command } from "commander";
import { runtimeName } from "../../runtime/detect.ts";
import { setEnv } from "../_io.ts";
import { positiveInt } from "../_options.ts";
import { CliError, exitCodes } from "../exit-codes.ts";

/** `serve`: the gateway itself (src/main.ts), with --port and --host as shorthands. */
export function serveCommand(program: Command): void {
  program.command("serve")
    .description("Run the gateway (as `npm start` does); settings come from the environment")
    .option("--port <port>", "FHIR_GATEWAY_PORT")
    .option("--host <host>", "FHIR_GATEWAY_HOST")
    .action(async (opts: { port?: string; host?: string }) => {
      if (opts.port) setEnv("FHIR_GATEWAY_PORT", String(positiveInt(opts.port, "--port")));
      if (opts.host) setEnv("FHIR_GATEWAY_HOST", opts.host);
      // main.ts starts the server on import and ends the process itself on SIGINT/SIGTERM.
      await import("../../main.ts");
      await new Promise(() => {});
    });

  program.command("demo")
    .description("Start a local FHIR server, SMART server and gateway with demo data (Node only)")
    .option("--port <port>", "gateway port", "8787")
    .action(async (opts: { port: string }) => {
      const port = positiveInt(opts.port, "--port");
      if (runtimeName === "deno") {
        throw new CliError(
          exitCodes.unavailable,
          "The demo's FHIR engine runs under Node: use `npm run demo` or `npx tsx src/cli.ts demo`.",
        );
      }
      const demo = new URL("../../../scripts/demo.ts", import.meta.url).href;
      const { runDemo } = await import(demo) as { runDemo(port: number): Promise<number> };
      const code = await runDemo(port);
      if (code !== 0) throw new CliError(exitCodes.problems, "");
    });
}
