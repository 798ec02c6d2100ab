import { definePlugin } from "../src/plugin.ts";

/** The search parameter that picks the practice on athenahealth's shared FHIR base. */
export const practiceParam = "ah-practice";

/** `ah-practice` value for a practice id: `Organization/a-1.Practice-<id>`. */
export function practiceRef(practiceId: string): string {
  return `Organization/a-1.Practice-${practiceId}`;
}

/** Interactions athenahealth answers only with a practice ("Could not determine what practice"). */
const needsPractice = new Set(["search", "page", "operation", "history"]);

/**
 * athenahealth (athenaOne) serves every practice from one FHIR base
 * (`https://api.platform.athenahealth.com/fhir/r4`) and picks the practice per call with the
 * `ah-practice=Organization/a-1.Practice-<practice id>` search parameter. When the caller
 * named a practice (`athena:<practice>`, whose `vendor_id` is athenahealth's practice id),
 * this sets that parameter on searches, paging, history and operations, in the query or in a
 * POST `_search` form body. It replaces any `ah-practice` the caller sent, so a ref can only
 * ever read its own practice. Reads by id need none: athenahealth ids carry the practice
 * (`a-<practice>.E-<patient>`). Without a named practice the request is left as it is.
 */
export default definePlugin({
  name: "athenahealth",
  platforms: ["athena", "athenahealth"],
  order: 60,
  async beforeRequest(request, { platform, interaction }) {
    const practice = platform.tenant?.vendor_id;
    if (!practice || !needsPractice.has(interaction ?? "")) return request;
    const value = practiceRef(practice);
    const type = request.headers.get("content-type")?.split(";")[0]?.trim().toLowerCase();
    if (request.method === "POST" && type === "application/x-www-form-urlencoded") {
      const form = new URLSearchParams(await request.text());
      form.set(practiceParam, value);
      return new Request(request.url, {
        method: "POST",
        headers: request.headers,
        body: form.toString(),
        redirect: request.redirect,
        signal: request.signal,
      });
    }
    const url = new URL(request.url);
    if (url.searchParams.getAll(practiceParam).join() === value) return request;
    url.searchParams.set(practiceParam, value);
    if (!request.body) return new Request(url, request);
    // A POST operation's body is a stream: it moves to the new request as it is.
    const init: RequestInit & { duplex: "half" } = {
      method: request.method,
      headers: request.headers,
      body: request.body,
      duplex: "half",
      redirect: request.redirect,
      signal: request.signal,
    };
    return new Request(url, init);
  },
});
