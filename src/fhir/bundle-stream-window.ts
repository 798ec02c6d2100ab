/**
 * The part of a streamed text still needed, addressed by absolute offsets from the start of
 * the stream: the chunks from the earliest position a pending decision may still copy or
 * re-read, up to the end of the latest chunk. Chunks are kept as they came (no concatenation),
 * so holding a long span costs no copy per chunk.
 */
export class TextWindow {
  private parts: string[] = [];
  private starts: number[] = [];
  /** Absolute offset just past the latest chunk. */
  end = 0;

  /** Adds the next chunk. */
  append(text: string): void {
    this.parts.push(text);
    this.starts.push(this.end);
    this.end += text.length;
  }

  /** The text from `from` to `to` (absolute offsets; both still held). */
  slice(from: number, to: number): string {
    let i = this.parts.length - 1;
    while (i > 0 && this.starts[i]! > from) i--;
    const first = this.parts[i]!;
    const at = this.starts[i]!;
    if (to <= at + first.length) return first.slice(from - at, to - at);
    let out = first.slice(from - at);
    for (i++; i < this.parts.length; i++) {
      const part = this.parts[i]!;
      const start = this.starts[i]!;
      if (to <= start + part.length) return out + part.slice(0, to - start);
      out += part;
    }
    return out;
  }

  /** Lets go of every chunk that ends at or before `keepFrom`. */
  release(keepFrom: number): void {
    let drop = 0;
    while (
      drop < this.parts.length - 1 && this.starts[drop]! + this.parts[drop]!.length <= keepFrom
    ) drop++;
    if (drop > 0) {
      this.parts.splice(0, drop);
      this.starts.splice(0, drop);
    }
  }
}
