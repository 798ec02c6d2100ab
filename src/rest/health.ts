import { Hono } from "hono";

/** Facts /health reports. */
export interface HealthInfo {
  version: string;
  runtime: string;
  platforms: number;
  plugins: number;
  store: string;
}

/** `GET /health`: liveness plus a few facts an operator checks first. */
export function healthRoutes(info: () => HealthInfo | Promise<HealthInfo>): Hono {
  const app = new Hono();
  app.get("/", async (c) => c.json({ status: "ok", ...(await info()) }));
  return app;
}
