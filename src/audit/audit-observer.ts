import type { GatewayObserver } from "../core/observer.ts";
import type { AuditLog } from "./audit-log.ts";

/**
 * A core observer that writes one "fhir" audit event per FHIR access, whichever face
 * (REST, MCP) asked: platform, interaction, resource type and id, status, and the caller's
 * tag. Nothing else of the request (query, body, headers) reaches the audit line.
 */
export function auditObserver(audit: AuditLog): GatewayObserver {
  return {
    access(event) {
      audit.record({
        action: "fhir",
        session: event.caller.tag,
        platform: event.platform,
        interaction: event.interaction,
        resourceType: event.resourceType,
        id: event.id,
        status: event.status,
      });
    },
  };
}
