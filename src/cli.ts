#!/usr/bin/env -S npx tsx
/**
 * `fhir-gateway`: the command line. `npx fhir-gateway --help` (Node, through tsx) or
 * `npx deno run --allow-net --allow-env --allow-read=. --allow-write=./data,./platforms src/cli.ts --help`.
 * Commands and exit codes: src/cli/program.ts.
 */
import { exit, processArgv } from "./cli/_io.ts";
import { runCli } from "./cli/program.ts";

exit(await runCli(processArgv()));
