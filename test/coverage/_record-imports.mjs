// Loader hooks (node:module register) for lazy-engines.test.ts: appends every module URL Node
// resolves to the file named in `data.file`, before the import completes, so the file lists
// exactly what was loaded up to any point the importing process marks in it.
import { appendFileSync } from "node:fs";

let file;

export function initialize(data) {
  file = data.file;
}

export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(file, `${result.url}\n`);
  return result;
}
