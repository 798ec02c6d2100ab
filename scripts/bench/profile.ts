/**
 * Where the gateway's time goes: runs src/main.ts under Node with --cpu-prof (or Deno with
 * V8's --prof), loads it with wrk on one path for a few seconds, and prints the busy self time
 * by part of the stack and by function (summarize in cdp-profile.ts). `npx tsx scripts/bench/profile.ts node "Observation?_count=5000"`.
 */
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import process from "node:process";
import { formatSummary, summarize } from "./cdp-profile.ts";
import { writeFixtures } from "./fixtures.ts";
import { openPlatform, type Runtime, startGateway, writePlatforms } from "./gateway.ts";
import { startNginx, upstreamConfig } from "./nginx.ts";
import { freePort } from "./ports.ts";
import { runWrk } from "./wrk.ts";

if (import.meta.url === `file://${process.argv[1]}`) {
  const [runtime = "node", path = "Patient/p1", secs = "5"] = process.argv.slice(2);
  const root = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
  const dir = await mkdtemp(`${tmpdir()}/fhir-profile-`);
  const [upPort, gwPort] = [await freePort(), await freePort()];
  const base = `http://127.0.0.1:${upPort}/fhir`;
  await writeFixtures(`${dir}/www`, base, 1);
  const up = await startNginx(dir, "upstream", upstreamConfig(dir, `${dir}/www`, upPort), upPort);
  const platforms = `./data/profile-platforms-${upPort}`;
  await writePlatforms(`${root}/${platforms}`, base, "http://127.0.0.1:9");
  const flags = runtime === "node"
    ? ["--cpu-prof", `--cpu-prof-dir=${dir}/prof`]
    : [`--v8-flags=--prof,--logfile=${dir}/deno-v8.log,--no-logfile-per-isolate`];
  const g = await startGateway(root, runtime as Runtime, gwPort, platforms, {
    runtimeFlags: flags,
  });
  const url = path.startsWith("/")
    ? `${g.url}${path}`
    : `${g.url}/api/fhir/${openPlatform}/${path}`;
  const w = await runWrk(url, { seconds: Number(secs), connections: 10 });
  console.log(`${runtime} ${path}: ${w.requestsPerSecond} req/s (${w.non2xx} non-2xx)`);
  await g.stop();
  await up.stop();
  if (runtime === "node") {
    const files = await readdir(`${dir}/prof`);
    const profile = JSON.parse(await readFile(`${dir}/prof/${files[0]}`, "utf8"));
    console.log(formatSummary(`node ${path}`, summarize(profile, 40)));
  } else {
    console.log(`V8 log: ${dir}/deno-v8.log (node --prof-process it)`);
  }
  await rm(`${root}/${platforms}`, { recursive: true, force: true });
  await rm(`${root}/data/bench-${runtime}-${gwPort}`, { recursive: true, force: true });
  if (runtime === "node") console.log(`profile in ${dir}/prof`);
}
