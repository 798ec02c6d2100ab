import type { AuditLog } from "../audit/audit-log.ts";
import type { GatewayObserver } from "../core/observer.ts";
import type { Metrics } from "./metrics.ts";

/** A core observer that times every upstream exchange per platform and interaction. */
export function metricsObserver(metrics: Metrics): GatewayObserver {
  return {
    upstream(event) {
      metrics.observeUpstream(event.platform, event.interaction, event.status, event.seconds);
    },
  };
}

/**
 * The audit log, also counted: logins, refreshes, logouts and refusals are counted from the
 * same events that are audited, so there is one place where auth and the edge report them.
 */
export function meteredAudit(audit: AuditLog, metrics: Metrics): AuditLog {
  return {
    record(event) {
      try {
        switch (event.action) {
          case "login":
            metrics.observeLogin(event.platform, event.stage, event.outcome);
            break;
          case "refresh":
            metrics.observeRefresh(event.platform, event.outcome);
            break;
          case "revocation":
            metrics.observeRevocation(event.platform, event.outcome);
            break;
          case "refusal":
            metrics.observeRefusal(event.reason, event.bucket ?? "");
            break;
        }
      } catch {
        // Counting must never fail the audited request.
      }
      audit.record(event);
    },
    flush: () => audit.flush(),
    close: () => audit.close(),
  };
}
