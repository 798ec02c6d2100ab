import { execFileSync } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";

/** What an upstream test server saw of one request. */
export interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
  /** The client's port: equal ports on sequential requests mean one kept-alive connection. */
  remotePort: number;
}

/** A node:http server on a free loopback port that records what it received. */
export interface Upstream {
  url: string;
  seen: Seen[];
  server: Server;
  close(): Promise<void>;
}

/**
 * Starts `handler` on 127.0.0.1 port 0. The request body is read first (and recorded) unless
 * the handler takes the raw request (`raw: true`).
 */
export async function startUpstream(
  handler: (req: IncomingMessage, res: ServerResponse, seen: Seen) => unknown,
  options: { raw?: boolean; server?: Server; scheme?: "http" | "https" } = {},
): Promise<Upstream> {
  const seen: Seen[] = [];
  const listener: RequestListener = async (req, res) => {
    const entry: Seen = {
      method: req.method ?? "",
      url: req.url ?? "",
      headers: req.headers,
      body: "",
      remotePort: req.socket.remotePort ?? 0,
    };
    seen.push(entry);
    if (!options.raw) {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      entry.body = Buffer.concat(chunks).toString("utf8");
    }
    await handler(req, res, entry);
  };
  const server = options.server ?? createServer();
  server.on("request", listener);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `${options.scheme ?? "http"}://127.0.0.1:${port}`,
    seen,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * A self-signed certificate for 127.0.0.1 made by the openssl command line (no network), or
 * undefined when openssl is not installed.
 */
export function selfSignedCert(): { key: string; cert: string } | undefined {
  const dir = mkdtempSync(`${tmpdir()}/node-fetch-tls-`);
  try {
    execFileSync("openssl", [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-subj",
      "/CN=127.0.0.1",
      "-addext",
      "subjectAltName=IP:127.0.0.1",
      "-days",
      "1",
      "-keyout",
      `${dir}/key.pem`,
      "-out",
      `${dir}/cert.pem`,
    ], { stdio: "ignore" });
    return {
      key: readFileSync(`${dir}/key.pem`, "utf8"),
      cert: readFileSync(`${dir}/cert.pem`, "utf8"),
    };
  } catch {
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Waits for a state the client reaches on its own (a socket's close event), bounded. */
export async function until(done: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error("condition not reached");
    await new Promise((r) => setTimeout(r, 5));
  }
}
