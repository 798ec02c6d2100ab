import { connect, createServer } from "node:net";

/** A free loopback port (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Waits until something accepts on `port`; `check` may throw to give up early. */
export async function waitForPort(
  port: number,
  check: () => void = () => {},
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    check();
    const ok = await new Promise<boolean>((r) => {
      const sock = connect(port, "127.0.0.1");
      sock.once("connect", () => (sock.destroy(), r(true)));
      sock.once("error", () => r(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
