// Annotation lines (`[<start>-<end> ]mfm-1: <text>\n`) written as bytes into
// one reused buffer: no string per line, no concatenation, no UTF-8 encoding
// at the output. Pieces of whole lines are copied out when the buffer fills.

const PREFIX = Array.from(" mfm-1: ", (c) => c.charCodeAt(0));
/** Room kept free for one line (the longest texts are a few hundred characters). */
const LINE_ROOM = 1 << 16;
const encoder = new TextEncoder();

/** Bytes of lines a new buffer holds before it grows (a capture's record-level rows fit). */
const FIRST_ROOM = 1 << 15;
/** Released buffers kept for the next LineBuffers (see release()), and the largest kept. */
const SPARE_BUFFERS = 2;
const SPARE_BYTES = (1 << 20) + LINE_ROOM;
const spareBuffers: Uint8Array[] = [];

export class LineBuffer {
  private buf: Uint8Array;
  private len = 0;

  /**
   * Pieces of about `piece` bytes go to `done` (copies: the buffer is reused).
   * The buffer starts small and doubles up to piece + LINE_ROOM: a capture's
   * `-A mfm=fields` rows are a few KB, and a fresh 1 MiB buffer for each of them
   * cost ~1 ms a capture in page faults (100 captures, profiled 2026-11-27).
   */
  constructor(private readonly piece: number, private readonly done: (bytes: Uint8Array) => void) {
    const reused = spareBuffers.pop();
    this.buf = reused && reused.length <= piece + LINE_ROOM ? reused : new Uint8Array(Math.min(piece, FIRST_ROOM) + LINE_ROOM);
  }

  /**
   * Gives the buffer to the next LineBuffer of this thread, once the lines are
   * flushed; this one is not used again (as a finished AnnotationStream's kernel
   * instance). A fresh 96 KiB buffer a capture was 0.3 ms of each of 100
   * captures' `-A mfm=fields` (profiled); a reused one costs nothing.
   */
  release(): void {
    if (this.len === 0 && spareBuffers.length < SPARE_BUFFERS && this.buf.length <= SPARE_BYTES && !spareBuffers.includes(this.buf)) spareBuffers.push(this.buf);
  }

  /** `<start>-<end> mfm-1: <text>\n` (sampleNumbers) or `mfm-1: <text>\n`. */
  line(sampleNumbers: boolean, start: number, end: number, text: string): void {
    if (sampleNumbers) {
      this.num(start);
      this.buf[this.len++] = 0x2d; // -
      this.num(end);
      this.ascii(PREFIX, 0);
    } else {
      this.ascii(PREFIX, 1);
    }
    this.text(text);
    this.buf[this.len++] = 0x0a;
    if (this.len >= this.piece) this.flush();
    else if (this.len > this.buf.length - LINE_ROOM) this.grow();
  }

  /** Room for lines doubled (at most `piece`) until LINE_ROOM is free after them again (len < piece here). */
  private grow(): void {
    let room = this.buf.length - LINE_ROOM;
    while (room < this.len) room = Math.min(this.piece, 2 * room);
    const next = new Uint8Array(room + LINE_ROOM);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  /** Hands over what is buffered (whole lines). */
  flush(): void {
    if (this.len === 0) return;
    this.done(this.buf.slice(0, this.len));
    this.len = 0;
  }

  /** A number as `${n}` prints it. */
  private num(n: number): void {
    if (!(Number.isInteger(n) && n >= 0 && n < 2 ** 53)) {
      this.text(String(n));
      return;
    }
    const b = this.buf;
    let digits = 1;
    for (let p = 10; p <= n; p *= 10) digits++;
    let at = this.len + digits;
    this.len = at;
    do {
      const q = Math.floor(n / 10);
      b[--at] = 0x30 + (n - q * 10);
      n = q;
    } while (n > 0);
  }

  private ascii(codes: readonly number[], from: number): void {
    const b = this.buf;
    let at = this.len;
    for (let i = from; i < codes.length; i++) b[at++] = codes[i];
    this.len = at;
  }

  private text(s: string): void {
    if (s.length > LINE_ROOM / 4) throw new RangeError("annotation text too long");
    const b = this.buf;
    let at = this.len;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        // not ASCII (no text of the decoder is, but stay exact): UTF-8 from here on
        const rest = encoder.encode(s.slice(i));
        b.set(rest, at);
        this.len = at + rest.length;
        return;
      }
      b[at++] = c;
    }
    this.len = at;
  }
}
