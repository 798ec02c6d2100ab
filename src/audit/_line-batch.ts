/** Lines queued for one sink and written in batches, off the request that recorded them. */
export interface LineBatch {
  /** Queues one line (no newline) and never waits; false when the queue is full (dropped). */
  push(line: string): boolean;
  /** Resolves once every line queued before the call has been written (or its write failed). */
  flush(): Promise<void>;
}

/** Options of createLineBatch. */
export interface LineBatchOptions {
  /** Writes one batch: its lines joined by "\n", without a final newline. One write at a time. */
  write(text: string): void | Promise<void>;
  /**
   * Most characters queued while a write is in flight (default 4 MiB worth, about 15,000
   * audit lines). Past it new lines are dropped and counted: memory stays bounded whatever
   * the sink's speed, and the recording request is never held up.
   */
  maxQueuedChars?: number;
  /**
   * How long the first line of a batch waits for others (default 10 ms), so one write call
   * carries every line recorded meanwhile; a batch of 64 KiB is written without waiting.
   */
  delayMs?: number;
  /** Told how many lines were dropped, once per streak, after the next batch is written. */
  onDropped?(count: number): void;
  /** Told about a failed write (the batch is lost; the next one is tried). */
  onError?(err: unknown): void;
}

/**
 * Collects lines and writes them together a few milliseconds later, in a timer of its own
 * (after the answers of the requests that recorded them have been handed to the server), so
 * one write call carries every line recorded in between. While a write is in flight, lines
 * queue up for the next.
 */
export function createLineBatch(options: LineBatchOptions): LineBatch {
  const max = options.maxQueuedChars ?? 4 * 1024 * 1024;
  const delayMs = options.delayMs ?? 10;
  const batchChars = 64 * 1024;
  let soon = false;
  let queue: string[] = [];
  let queued = 0;
  let dropped = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let writing: Promise<void> | undefined;

  const run = (): Promise<void> => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    soon = false;
    if (writing) return writing;
    if (queue.length === 0) return Promise.resolve();
    writing = (async () => {
      try {
        while (queue.length > 0) {
          const text = queue.join("\n");
          queue = [];
          queued = 0;
          try {
            await options.write(text);
          } catch (err) {
            options.onError?.(err);
          }
          if (dropped > 0) {
            options.onDropped?.(dropped);
            dropped = 0;
          }
        }
      } finally {
        writing = undefined;
      }
    })();
    return writing;
  };

  return {
    push(line) {
      if (queued + line.length > max) {
        dropped++;
        return false;
      }
      queue.push(line);
      queued += line.length;
      if (writing) return true;
      if (timer === undefined) timer = setTimeout(run, delayMs);
      else if (!soon && queued >= batchChars) {
        clearTimeout(timer);
        soon = true;
        timer = setTimeout(run, 0);
      }
      return true;
    },
    flush: run,
  };
}
