import process from "node:process";
import { afterEach, describe, expect, it, vi } from "vitest";
import { progress } from "../../src/cli/output.ts";

// The progress reporter writes to stderr: a redrawn bar on a terminal, plain lines otherwise.
describe("progress()", () => {
  afterEach(() => vi.restoreAllMocks());
  const capture = () => {
    const writes: string[] = [];
    vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    });
    return writes;
  };

  it("redraws one bar line on a terminal and clears it when done", () => {
    const writes = capture();
    const bar = progress(4, { terminal: true });
    bar.step("epic");
    bar.step("cerner", "reachable");
    bar.done();
    expect(writes[0]).toBe(`\r\x1b[2K[${"#".repeat(8)}${"-".repeat(22)}] 1/4 epic`);
    expect(writes[1]).toBe(`\r\x1b[2K[${"#".repeat(15)}${"-".repeat(15)}] 2/4 cerner`);
    expect(writes.at(-1)).toBe("\r\x1b[2K");
    expect(writes.join("")).not.toContain("\n");
  });

  it("prints `n/total label detail` lines when not on a terminal", () => {
    const writes = capture();
    const bar = progress(2, { terminal: false });
    bar.step("epic", "reachable 12 ms");
    bar.step("cerner");
    bar.done();
    expect(writes).toEqual(["1/2 epic reachable 12 ms\n", "2/2 cerner\n"]);
  });
});
