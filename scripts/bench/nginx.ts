/**
 * Debian's nginx, twice: as the static FHIR upstream, and as the reverse proxy users would put
 * in front of it instead of the gateway (`sub_filter` rewriting the upstream base in bodies,
 * keep-alive to the upstream). One worker each, loopback only, no access log.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import process from "node:process";
import { waitForPort } from "./ports.ts";

function common(dir: string, name: string): string {
  const user = process.getuid?.() === 0 ? "user root;\n" : "";
  return `${user}worker_processes 1;
daemon off;
pid ${dir}/${name}.pid;
error_log ${dir}/${name}-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path ${dir}/${name}-body;
  proxy_temp_path ${dir}/${name}-proxy;
  fastcgi_temp_path ${dir}/${name}-fastcgi;
  uwsgi_temp_path ${dir}/${name}-uwsgi;
  scgi_temp_path ${dir}/${name}-scgi;
`;
}

/** The upstream: static files, `Observation?_count=n` answered by `Observation-n.json`. */
export function upstreamConfig(dir: string, root: string, port: number): string {
  return `${common(dir, "upstream")}  types { }
  default_type application/fhir+json;
  server {
    listen 127.0.0.1:${port};
    root ${root};
    location = /fhir/Observation { try_files /fhir/Observation-$arg__count.json =404; }
    location /fhir/Binary/ { default_type application/octet-stream; }
    location /fhir/ { try_files $uri =404; }
  }
}
`;
}

/** The proxy: forwards /fhir/ and rewrites the upstream base to its own in every body. */
export function proxyConfig(dir: string, upstreamPort: number, port: number): string {
  const from = `http://127.0.0.1:${upstreamPort}/fhir`;
  const to = `http://127.0.0.1:${port}/fhir`;
  return `${common(dir, "proxy")}  upstream fhir { server 127.0.0.1:${upstreamPort}; keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    location /fhir/ {
      proxy_pass http://fhir/fhir/;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Accept-Encoding "";
      sub_filter '${from}' '${to}';
      sub_filter_once off;
      sub_filter_types application/fhir+json application/json;
    }
  }
}
`;
}

/** A running nginx. */
export interface Nginx {
  pid: number;
  stop(): Promise<void>;
}

/** Starts nginx with `config` (written to `dir/name.conf`) and waits for `port`. */
export async function startNginx(
  dir: string,
  name: string,
  config: string,
  port: number,
): Promise<Nginx> {
  for (const t of ["body", "proxy", "fastcgi", "uwsgi", "scgi"]) {
    await mkdir(`${dir}/${name}-${t}`, { recursive: true });
  }
  const file = `${dir}/${name}.conf`;
  await writeFile(file, config);
  const child: ChildProcess = spawn(
    "nginx",
    ["-p", dir, "-e", `${dir}/${name}-error.log`, "-c", file],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  const stderr: string[] = [];
  child.stderr!.on("data", (d) => stderr.push(String(d)));
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  await waitForPort(port, () => {
    if (child.exitCode !== null) throw new Error(`nginx ${name} exited: ${stderr.join("")}`);
  });
  return {
    pid: child.pid!,
    async stop() {
      if (child.exitCode === null) child.kill("SIGQUIT");
      await exited;
    },
  };
}
