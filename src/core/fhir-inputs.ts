import type { Resource } from "@medplum/fhirtypes";
import type { FhirBody } from "../fhir/interaction.ts";

/* The inputs of the core's FHIR operations (src/core/fhir-operations.ts). */

/** A resource as a parsed object or a body as it arrived (text, bytes, stream). */
export type ResourceInput = Resource | FhirBody;
/** Where an operation runs: a platform reference (`id`, alias, or `id:tenant`). */
export interface OnPlatform {
  platform: string;
}
export interface SearchQuery extends OnPlatform {
  /** Resource type; absent for a search across all types. */
  type?: string;
  params?: URLSearchParams;
  /** `[type]/[id]/[type]` compartment search. */
  compartment?: { type: string; id: string };
  /** POST `_search`; `form` is the caller's form body, read after the login check. */
  via?: "get" | "post";
  form?: FhirBody;
}
export interface ReadQuery extends OnPlatform {
  type: string;
  id: string;
  /** A version from history (vread). */
  versionId?: string;
}
export interface HistoryQuery extends OnPlatform {
  type?: string;
  id?: string;
  params?: URLSearchParams;
}
export interface CreateInput extends OnPlatform {
  type: string;
  resource: ResourceInput;
  /** Conditional create: search criteria that must match nothing. */
  ifNoneExist?: string;
}
export interface UpdateInput extends OnPlatform {
  type: string;
  /** Absent for a conditional update by `params`. */
  id?: string;
  params?: URLSearchParams;
  resource: ResourceInput;
  /** Only if the current version is this version id. */
  ifMatch?: string;
}
export interface PatchInput extends OnPlatform {
  type: string;
  id?: string;
  params?: URLSearchParams;
  /** JSON Patch operations, a FHIRPath Patch Parameters resource, or a body as it arrived. */
  patch: unknown[] | Resource | FhirBody;
  ifMatch?: string;
}
export interface DeleteInput extends OnPlatform {
  type: string;
  id?: string;
  params?: URLSearchParams;
}
export interface OperationInput extends OnPlatform {
  /** `$everything`, `$validate`, ... */
  name: string;
  type?: string;
  id?: string;
  params?: URLSearchParams;
  /** POSTed when given (a Parameters resource or a resource); GET otherwise. */
  input?: ResourceInput;
}
