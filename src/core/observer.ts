import type { InteractionKind } from "../fhir/interaction.ts";
import type { Caller } from "./caller.ts";

/** One upstream exchange, as metrics see it: no ids, no people. */
export interface UpstreamEvent {
  platform: string;
  interaction: InteractionKind;
  /** Upstream HTTP status, or 0 when it could not be reached. */
  status: number;
  seconds: number;
}

/** One FHIR access, as audit sees it: who (a tag), what, and how it ended. */
export interface AccessEvent {
  caller: Pick<Caller, "kind" | "tag">;
  platform: string;
  interaction: InteractionKind;
  resourceType?: string;
  id?: string;
  /** HTTP status the caller got. */
  status: number;
}

/** Optional listeners the core tells about its work (metrics, audit); each may be absent. */
export interface GatewayObserver {
  upstream?(event: UpstreamEvent): void;
  access?(event: AccessEvent): void;
}
