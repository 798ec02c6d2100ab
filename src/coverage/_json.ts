/**
 * JSON a payer (or a peer) sent, read defensively: every access goes through optional
 * chaining and a type check before use, so the value is never trusted as a shape.
 */
// deno-lint-ignore no-explicit-any
export type Json = any;
