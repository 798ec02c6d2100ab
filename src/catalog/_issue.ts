import type { z } from "zod";

/** "file: field.path: message", the form of every catalog problem. */
export function describeIssue(file: string, issue: z.core.$ZodIssue): string {
  const field = issue.path.length ? issue.path.join(".") : "(file)";
  return `${file}: ${field}: ${issue.message}`;
}
