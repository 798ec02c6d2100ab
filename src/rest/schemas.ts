import { z } from "zod";
import { platformStatuses, platformTypes } from "../catalog/schema.ts";
import { loginWait } from "../core/login-operations.ts";

/**
 * The zod schemas REST routes check their query strings with: one place, so the OpenAPI
 * document is derived from what the routes enforce.
 */
const limit = (max: number) =>
  z.coerce.number().int().min(1).max(max).optional().describe(`At most ${max}.`);

/** `GET /api/platforms` */
export const platformListQuery = z.strictObject({
  type: z.enum(platformTypes).optional().describe("Only platforms of this type."),
  status: z.enum(platformStatuses).optional().describe("Only platforms in this status."),
  q: z.string().max(200).optional().describe("Text in names, aliases, payer ids, tenants."),
  state: z.string().max(30).optional().describe('Only tenants in this US state ("MA").'),
  limit: limit(500),
});

/** `GET /api/platforms/{id}/tenants` */
export const tenantListQuery = z.looseObject({
  q: z.string().max(200).optional().describe("Text in the organization's name, city, state."),
  state: z.string().max(30).optional().describe('Only organizations in this US state ("MA").'),
  limit: limit(500),
});

/** `GET /auth/{platform}/login` */
export const loginQuery = z.strictObject({
  scope: z.string().max(2000).optional().describe("Scopes, space- or comma-separated."),
  return_to: z.string().max(2000).optional().describe("A gateway path to return to."),
});

/** `GET /auth/{platform}/wait` */
export const waitQuery = z.strictObject({
  timeout: z.coerce.number().min(0).max(100_000).optional()
    .describe(
      `Seconds to wait (default ${loginWait.defaultSeconds}, at most ${loginWait.maxSeconds}).`,
    ),
});
