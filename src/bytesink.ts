// A growable byte buffer: append chunks, take one contiguous copy at the end;
// and concatBytes, for pieces already gathered.

const EMPTY = new Uint8Array(0);

export class ByteSink {
  /** Allocated on the first append (a decode makes several sinks and leaves most empty). */
  private buf = EMPTY;
  private len = 0;

  get length(): number {
    return this.len;
  }

  append(chunk: Uint8Array): void {
    const need = this.len + chunk.length;
    if (need > this.buf.length) {
      const next = new Uint8Array(Math.max(need, this.buf.length * 2, 16384));
      next.set(this.buf.subarray(0, this.len));
      this.buf = next;
    }
    this.buf.set(chunk, this.len);
    this.len = need;
  }

  /** A copy of the contents in a buffer of its own (offset 0, so any typed view fits). */
  bytes(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

/** The pieces back to back in one new array (what a writer that gathered its parts returns). */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
