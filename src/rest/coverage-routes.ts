import { Hono } from "hono";
import type { Context } from "hono";
import { z } from "zod";
import type { CoverageService } from "../coverage/coverage-service.ts";
import {
  checkShape,
  inquireShape,
  packageShape,
  policyShape,
  submitShape,
  toInput,
} from "../coverage/input-schema.ts";
import { readBounded } from "../core/read-body.ts";
import { GatewayError } from "../errors.ts";
import { callerOf } from "./caller.ts";

/** The largest JSON body a coverage route reads (a QuestionnaireResponse fits easily). */
const maxBodyBytes = 1_000_000;

/**
 * `/api/coverage/{payer}/{step}`: the prior-authorization steps as JSON POSTs with the same
 * argument names as the MCP tools (check_prior_auth, get_questionnaire_package,
 * submit_prior_auth, inquire_prior_auth, get_policy_rules).
 */
export function coverageRoutes(coverage: CoverageService): Hono {
  const app = new Hono();
  const step = <S extends z.ZodRawShape, R>(
    shape: S,
    run: (payer: string, c: Context, args: z.output<z.ZodObject<S>>) => Promise<R>,
  ) =>
  async (c: Context) => {
    const args = parseArgs(z.strictObject(shape), await readJson(c));
    return c.json(await run(c.req.param("payer")!, c, args) as object);
  };
  app.post(
    "/:payer/check_prior_auth",
    step(checkShape, (p, c, a) => coverage.checkPriorAuth(toInput.check(p, callerOf(c), a))),
  );
  app.post(
    "/:payer/get_questionnaire_package",
    step(
      packageShape,
      (p, c, a) => coverage.getQuestionnairePackage(toInput.package(p, callerOf(c), a)),
    ),
  );
  app.post(
    "/:payer/submit_prior_auth",
    step(submitShape, (p, c, a) => coverage.submitPriorAuth(toInput.submit(p, callerOf(c), a))),
  );
  app.post(
    "/:payer/inquire_prior_auth",
    step(inquireShape, (p, c, a) => coverage.inquirePriorAuth(toInput.inquire(p, callerOf(c), a))),
  );
  app.post(
    "/:payer/get_policy_rules",
    step(policyShape, (p, c, a) => coverage.getPolicyRules(toInput.policy(p, callerOf(c), a))),
  );
  return app;
}

/** `GET /.well-known/jwks.json`: the key payers verify the gateway's CDS Hooks JWTs with. */
export function jwksRoute(coverage: CoverageService): Hono {
  const app = new Hono();
  app.get("/", async (c) => {
    c.header("cache-control", "public, max-age=300");
    return c.json(await coverage.signer.jwks());
  });
  return app;
}

async function readJson(c: Context): Promise<unknown> {
  const type = c.req.header("content-type")?.split(";")[0]?.trim().toLowerCase();
  if (type !== "application/json" && type !== "application/fhir+json") {
    throw new GatewayError(
      "unsupported_media_type",
      "Send the arguments as JSON (Content-Type: application/json).",
    );
  }
  const text = c.req.raw.body ? await readBounded(c.req.raw.body, maxBodyBytes) : "";
  try {
    return JSON.parse(text || "{}");
  } catch {
    throw new GatewayError("bad_request", "The body is not JSON.");
  }
}

function parseArgs<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const where = issue.path.join(".") || "body";
  throw new GatewayError("bad_request", `Argument ${where}: ${issue.message}.`, {
    details: { field: where },
  });
}
