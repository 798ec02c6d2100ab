import { describe, expect, it } from "vitest";
import { GatewayError } from "../../src/errors.ts";
import { parseFhirPath } from "../../src/fhir/parse-path.ts";

const q = (s = "") => new URLSearchParams(s);
const body = () => "{}";
const parse = (method: string, path: string, query = "") =>
  parseFhirPath(method, path.split("/").filter(Boolean), q(query), body);

describe("parseFhirPath maps the FHIR RESTful API", () => {
  it.each([
    ["GET", "metadata", "capabilities"],
    ["GET", "", "search"],
    ["POST", "", "batch"],
    ["POST", "_search", "search"],
    ["GET", "_history", "history"],
    ["GET", "Patient", "search"],
    ["POST", "Patient", "create"],
    ["PUT", "Patient", "update"],
    ["DELETE", "Patient", "delete"],
    ["POST", "Patient/_search", "search"],
    ["GET", "Patient/_history", "history"],
    ["GET", "Patient/1", "read"],
    ["PUT", "Patient/1", "update"],
    ["PATCH", "Patient/1", "patch"],
    ["DELETE", "Patient/1", "delete"],
    ["GET", "Patient/1/_history", "history"],
    ["GET", "Patient/1/_history/2", "vread"],
    ["GET", "Patient/1/$everything", "operation"],
    ["POST", "Patient/$match", "operation"],
    ["POST", "$export", "operation"],
    ["GET", "Patient/1/Observation", "search"],
    ["GET", "_page", "page"],
  ])("%s /%s is %s", (method, path, kind) => {
    const query = path === "_page" ? "target=/x" : "";
    expect(parse(method, path, query).kind).toBe(kind);
  });

  it("keeps the compartment of a compartment search", () => {
    expect(parse("GET", "Patient/1/Observation")).toMatchObject({
      kind: "search",
      type: "Observation",
      compartment: { type: "Patient", id: "1" },
    });
  });

  it.each([
    ["DELETE", "metadata"],
    ["POST", "Patient/1"],
    ["DELETE", "Patient/1/_history/2"],
    ["GET", "Patient/1/_history/2/extra"],
  ])("refuses %s /%s with 405", (method, path) => {
    try {
      parse(method, path);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(GatewayError);
      expect((err as GatewayError).status).toBe(405);
    }
  });
});
