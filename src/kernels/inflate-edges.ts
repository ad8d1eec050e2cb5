// Fused inflate → leading edges — TypeScript twin of assembly/inflate-edges.ts
// (same statuses, same edge records per call, bit for bit). The format facts
// and the diagram of what it decodes are in the Wasm kernel's header; in short:
//
//   raw DEFLATE (RFC 1951)            window (out)                      edges
//   [hdr|stored|fixed|dynamic]... ──► [ 32 KiB history | piece ... pos ) ──► edges[j] = global sample,
//    §3.2.3-3.2.7, LSB-first bits      matches copy inside it (§3.2.5)      index[j] = index level
//
// What differs from the Wasm kernel is how, never what:
// - the bit buffer holds at most 31 bits, exactly the bits read (the kernel
//   refills 56-63 at once); a step needs more input in both exactly when the
//   bits left in the buffer and the input together are fewer than it needs;
// - matches copy byte by byte (the kernel: 16-byte vectors, a splat for runs);
// - edges are found by the scalar test, CRC-32 one byte at a time.
import {
  IE_CRC_KERNEL, IE_CRC_HOST,
  IE_IN_CAP, IE_WSIZE, IE_OUT_CAP, IE_MAX_MATCH, IE_EDGE_CAP,
  IE_DONE, IE_NEED_INPUT, IE_PIECE_DONE,
  IE_ERR_TRUNCATED, IE_ERR_BLOCK_TYPE, IE_ERR_STORED, IE_ERR_CODES, IE_ERR_SYMBOL, IE_ERR_DISTANCE, IE_ERR_INPUT,
} from "./inflate-edges-abi.js";
import { INDEX_ABSENT } from "./abi.js";
import { crc32Table } from "./crc32.js";

/** The kernel's calls, on either backend (the Wasm exports, or the twin). */
export interface InflateEdgesKernel {
  readonly backend: "wasm" | "js";
  /** Compressed input region (IE_IN_CAP bytes). */
  readonly input: Uint8Array;
  /** Edge records of the last run() (edgeCount() of them). */
  readonly edges: Float64Array;
  readonly index: Uint8Array;
  configure(dataBit: number, indexBit: number, suppressBit: number, rising: number, withCrc: number): void;
  begin(): void;
  inputSpace(): number;
  feed(len: number, last: number): number;
  run(): number;
  edgeCount(): number;
  produced(): number;
  crc(): number;
  inputLeft(): number;
  /** IE_CRC_HOST: what receives each run of samples scanned, once, in stream order (a view, valid for the call). */
  setHostBytes(hook: ((bytes: Uint8Array) => void) | undefined): void;
}

const S_HEADER = 0;
const S_STORED = 1;
const S_CODES = 2;
const S_DONE = 3;
const S_ERROR = 4;

const FAST_BITS = 10;
const FAST_SIZE = 1 << FAST_BITS;
const NEED_MORE = -1;
const NO_CODE = -2;
const K_CL = 0;
const K_LIT = 1;
const K_DIST = 2;
/** The order of the code-length code lengths (RFC 1951 §3.2.7). */
const CL_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/** One Huffman code: fast table, counts per length, symbols sorted by (length, value). */
class Code {
  readonly fast = new Int32Array(FAST_SIZE);
  readonly cnt = new Uint16Array(16);
  readonly sym = new Uint16Array(288);
}

export class InflateEdgesJs implements InflateEdgesKernel {
  readonly backend = "js" as const;
  readonly input = new Uint8Array(IE_IN_CAP + 16);
  readonly out = new Uint8Array(IE_OUT_CAP + 32);
  readonly edges = new Float64Array(IE_EDGE_CAP);
  readonly index = new Uint8Array(IE_EDGE_CAP);

  private readonly lit = new Code();
  private readonly dist = new Code();
  private readonly lens = new Uint8Array(320);

  private inPos = 0;
  private inEnd = 0;
  private lastInput = 0;
  private bitbuf = 0;
  private bitcnt = 0;
  private state = S_HEADER;
  private bfinal = 0;
  private storedLeft = 0;
  private err = 0;
  private fixedLoaded = 0;
  private pos = 0;
  private scanFrom = 0;
  private slid = 0;
  private streamStart = 0;
  private nEdges = 0;

  private noEdges = 1;
  private dMask = 0;
  private cMask = 0;
  private prevTarget = 0;
  private curTarget = 0;
  private iShift = 0;
  private iAnd = 0;
  private iOr = INDEX_ABSENT;
  private prevSample = -1;
  private crcOn = 0;
  private crcState = -1;
  private hostBytes: ((bytes: Uint8Array) => void) | undefined;

  setHostBytes(hook: ((bytes: Uint8Array) => void) | undefined): void {
    this.hostBytes = hook;
  }

  configure(dataBit: number, indexBit: number, suppressBit: number, rising: number, withCrc: number): void {
    this.prevSample = -1;
    this.streamStart = 0;
    this.slid = 0;
    this.pos = 0;
    this.scanFrom = 0;
    const inByte = (b: number): boolean => Number.isInteger(b) && b >= 0 && b <= 7;
    this.dMask = inByte(dataBit) ? 1 << dataBit : 0;
    const sMask = inByte(suppressBit) ? 1 << suppressBit : 0;
    this.noEdges = this.dMask === 0 || (rising !== 0 && sMask === this.dMask) ? 1 : 0;
    this.cMask = this.dMask | sMask;
    this.prevTarget = rising !== 0 ? 0 : this.dMask;
    this.curTarget = rising !== 0 ? this.dMask : 0;
    const iPresent = inByte(indexBit);
    this.iShift = iPresent ? indexBit : 0;
    this.iAnd = iPresent ? 1 : 0;
    this.iOr = iPresent ? 0 : INDEX_ABSENT;
    this.crcOn = withCrc === IE_CRC_HOST ? IE_CRC_HOST : withCrc !== 0 ? IE_CRC_KERNEL : 0;
  }

  begin(): void {
    this.streamStart += this.slid + this.pos;
    this.inPos = 0;
    this.inEnd = 0;
    this.lastInput = 0;
    this.bitbuf = 0;
    this.bitcnt = 0;
    this.state = S_HEADER;
    this.bfinal = 0;
    this.storedLeft = 0;
    this.err = 0;
    this.pos = 0;
    this.scanFrom = 0;
    this.slid = 0;
    this.crcState = -1;
  }

  inputSpace(): number {
    const keep = this.inEnd - this.inPos;
    if (this.inPos > 0 && keep > 0) this.input.copyWithin(0, this.inPos, this.inEnd);
    this.inPos = 0;
    this.inEnd = keep;
    return keep;
  }

  feed(len: number, last: number): number {
    if (this.state === S_ERROR) return this.err;
    if (!(Number.isInteger(len) && len >= 0 && len <= IE_IN_CAP - this.inEnd) || this.lastInput !== 0) return this.fail(IE_ERR_INPUT);
    this.inEnd += len;
    if (last !== 0) this.lastInput = 1;
    return 0;
  }

  produced(): number {
    return this.slid + this.pos;
  }

  edgeCount(): number {
    return this.nEdges;
  }

  crc(): number {
    return (this.crcState ^ -1) >>> 0;
  }

  inputLeft(): number {
    return this.inEnd - this.inPos + (this.bitcnt >> 3);
  }

  private fail(code: number): number {
    this.state = S_ERROR;
    this.err = code;
    return code;
  }

  // ---- bits

  /** Reads input bytes until n bits are buffered or the input is used up (n <= 24); true when n are there. */
  private need(n: number): boolean {
    while (this.bitcnt < n && this.inPos < this.inEnd) {
      this.bitbuf |= this.input[this.inPos++] << this.bitcnt;
      this.bitcnt += 8;
    }
    return this.bitcnt >= n;
  }

  private take(n: number): number {
    const v = this.bitbuf & ((1 << n) - 1);
    this.bitbuf >>>= n;
    this.bitcnt -= n;
    return v;
  }

  private unread(): void {
    this.inPos -= this.bitcnt >> 3;
    this.bitcnt &= 7;
    this.bitbuf &= (1 << this.bitcnt) - 1;
  }

  private decode(c: Code): number {
    this.need(15);
    const e = c.fast[this.bitbuf & (FAST_SIZE - 1)];
    if (e !== 0) {
      const l = e & 15;
      if (l > this.bitcnt) return NEED_MORE;
      this.bitbuf >>>= l;
      this.bitcnt -= l;
      return e >> 4;
    }
    // Canonical walk (§3.2.2) for longer codes, or a pattern that is no code.
    let code = 0;
    let first = 0;
    let index = 0;
    for (let len = 1; len <= 15; len++) {
      if (len > this.bitcnt) return NEED_MORE;
      code |= (this.bitbuf >>> (len - 1)) & 1;
      const count = c.cnt[len];
      if (code - first < count) {
        this.bitbuf >>>= len;
        this.bitcnt -= len;
        return c.sym[index + code - first];
      }
      index += count;
      first = (first + count) << 1;
      code <<= 1;
    }
    return NO_CODE;
  }

  // ---- code tables

  private build(at: number, n: number, c: Code, kind: number): number {
    const lens = this.lens;
    c.cnt.fill(0);
    for (let s = 0; s < n; s++) if (lens[at + s] !== 0) c.cnt[lens[at + s]]++;
    let max = 0;
    let left = 1;
    for (let l = 1; l <= 15; l++) {
      if (c.cnt[l] !== 0) max = l;
      left = (left << 1) - c.cnt[l];
      if (left < 0) return IE_ERR_CODES; // over-subscribed
    }
    c.fast.fill(0);
    if (max === 0) return kind === K_DIST ? 0 : IE_ERR_CODES;
    if (left > 0 && (kind === K_CL || max !== 1)) return IE_ERR_CODES; // incomplete
    const offs = new Int32Array(16);
    const next = new Int32Array(16);
    let o = 0;
    let code = 0;
    for (let l = 1; l <= 15; l++) {
      offs[l] = o;
      code = (code + c.cnt[l - 1]) << 1;
      next[l] = code;
      o += c.cnt[l];
    }
    for (let s = 0; s < n; s++) {
      const l = lens[at + s];
      if (l === 0) continue;
      c.sym[offs[l]++] = s;
      const k = next[l]++;
      if (l <= FAST_BITS) {
        let r = 0;
        for (let b = 0; b < l; b++) r |= ((k >> b) & 1) << (l - 1 - b);
        const e = (s << 4) | l;
        for (let j = r; j < FAST_SIZE; j += 1 << l) c.fast[j] = e;
      }
    }
    return 0;
  }

  private loadFixed(): void {
    const lens = this.lens;
    lens.fill(8, 0, 144);
    lens.fill(9, 144, 256);
    lens.fill(7, 256, 280);
    lens.fill(8, 280, 288);
    this.build(0, 288, this.lit, K_LIT);
    lens.fill(5, 0, 32);
    this.build(0, 32, this.dist, K_DIST);
    this.fixedLoaded = 1;
  }

  private readDynamic(): number {
    if (!this.need(14)) return NEED_MORE;
    const nlen = this.take(5) + 257;
    const ndist = this.take(5) + 1;
    const ncl = this.take(4) + 4;
    if (nlen > 286 || ndist > 30) return IE_ERR_CODES;
    this.fixedLoaded = 0; // the tables are overwritten from here on, whatever happens
    const lens = this.lens;
    lens.fill(0, 0, 19);
    for (let i = 0; i < ncl; i++) {
      if (!this.need(3)) return NEED_MORE;
      lens[CL_ORDER[i]] = this.take(3);
    }
    let r = this.build(0, 19, this.lit, K_CL);
    if (r !== 0) return r;
    const total = nlen + ndist;
    let i = 0;
    while (i < total) {
      const s = this.decode(this.lit);
      if (s < 0) return s === NEED_MORE ? NEED_MORE : IE_ERR_CODES;
      if (s < 16) {
        lens[i++] = s;
        continue;
      }
      let v = 0;
      let rep: number;
      if (s === 16) {
        if (i === 0) return IE_ERR_CODES;
        v = lens[i - 1];
        if (!this.need(2)) return NEED_MORE;
        rep = 3 + this.take(2);
      } else if (s === 17) {
        if (!this.need(3)) return NEED_MORE;
        rep = 3 + this.take(3);
      } else {
        if (!this.need(7)) return NEED_MORE;
        rep = 11 + this.take(7);
      }
      if (i + rep > total) return IE_ERR_CODES;
      lens.fill(v, i, i + rep);
      i += rep;
    }
    if (lens[256] === 0) return IE_ERR_CODES;
    r = this.build(0, nlen, this.lit, K_LIT);
    if (r !== 0) return r;
    return this.build(nlen, ndist, this.dist, K_DIST);
  }

  // ---- edges and CRC

  private scan(a: number, b: number): void {
    if (a >= b) return;
    const out = this.out;
    if (this.crcOn === IE_CRC_HOST) this.hostBytes?.(out.subarray(a, b));
    else if (this.crcOn === IE_CRC_KERNEL) {
      const t = crc32Table();
      let c = this.crcState;
      for (let i = a; i < b; i++) c = t[(c ^ out[i]) & 0xff] ^ (c >>> 8);
      this.crcState = c;
    }
    if (this.noEdges !== 0) {
      this.prevSample = out[b - 1];
      return;
    }
    const gbase = this.streamStart + this.slid;
    const { dMask, cMask, prevTarget, curTarget, iShift, iAnd, iOr, edges, index } = this;
    let n = this.nEdges;
    let p = this.prevSample;
    let i = a;
    if (p < 0) {
      p = out[a];
      i = a + 1;
    }
    for (; i < b; i++) {
      const c = out[i];
      if ((p & dMask) === prevTarget && (c & cMask) === curTarget) {
        edges[n] = gbase + i;
        index[n] = ((c >>> iShift) & iAnd) | iOr;
        n++;
      }
      p = c;
    }
    this.prevSample = p;
    this.nEdges = n;
  }

  private flush(): void {
    this.scan(this.scanFrom, this.pos);
    this.scanFrom = this.pos;
    if (this.pos > IE_OUT_CAP - IE_MAX_MATCH) {
      const drop = this.pos - IE_WSIZE;
      this.out.copyWithin(0, drop, this.pos);
      this.slid += drop;
      this.pos = IE_WSIZE;
      this.scanFrom = this.pos;
    }
  }

  private needInput(): number {
    if (this.lastInput !== 0) return this.fail(IE_ERR_TRUNCATED);
    this.unread();
    this.flush();
    return IE_NEED_INPUT;
  }

  // ---- the decoder

  run(): number {
    this.nEdges = 0;
    if (this.state === S_ERROR) return this.err;
    const out = this.out;
    for (;;) {
      if (this.state === S_DONE) {
        this.flush();
        return IE_DONE;
      }
      if (this.pos > IE_OUT_CAP - IE_MAX_MATCH) {
        this.flush();
        return IE_PIECE_DONE;
      }
      if (this.state === S_CODES) {
        const limit = IE_OUT_CAP - IE_MAX_MATCH;
        while (this.pos <= limit) {
          const cpPos = this.inPos;
          const cpBuf = this.bitbuf;
          const cpCnt = this.bitcnt;
          const restore = (): number => {
            this.inPos = cpPos;
            this.bitbuf = cpBuf;
            this.bitcnt = cpCnt;
            return this.needInput();
          };
          let s = this.decode(this.lit);
          if (s < 256) {
            if (s >= 0) {
              out[this.pos++] = s;
              continue;
            }
            if (s === NO_CODE) return this.fail(IE_ERR_SYMBOL);
            return restore();
          }
          if (s === 256) {
            this.state = this.bfinal !== 0 ? S_DONE : S_HEADER;
            break;
          }
          s -= 257;
          if (s >= 29) return this.fail(IE_ERR_SYMBOL);
          let len: number;
          if (s < 8) {
            len = s + 3;
          } else if (s === 28) {
            len = 258;
          } else {
            const e = (s >> 2) - 1;
            if (!this.need(e)) return restore();
            len = ((4 + (s & 3)) << e) + 3 + this.take(e);
          }
          const d = this.decode(this.dist);
          if (d < 0) {
            if (d === NO_CODE) return this.fail(IE_ERR_SYMBOL);
            return restore();
          }
          if (d >= 30) return this.fail(IE_ERR_SYMBOL);
          let dist: number;
          if (d < 4) {
            dist = d + 1;
          } else {
            const e = (d >> 1) - 1;
            if (!this.need(e)) return restore();
            dist = ((2 + (d & 1)) << e) + 1 + this.take(e);
          }
          const pos = this.pos;
          if (dist > pos) return this.fail(IE_ERR_DISTANCE);
          if (dist === 1) out.fill(out[pos - 1], pos, pos + len);
          else if (dist >= len) out.copyWithin(pos, pos - dist, pos - dist + len);
          else for (let k = 0; k < len; k++) out[pos + k] = out[pos + k - dist];
          this.pos = pos + len;
        }
        continue;
      }
      if (this.state === S_STORED) {
        if (this.storedLeft === 0) {
          this.state = this.bfinal !== 0 ? S_DONE : S_HEADER;
          continue;
        }
        const avail = this.inEnd - this.inPos;
        if (avail === 0) return this.needInput();
        const n = Math.min(this.storedLeft, avail, IE_OUT_CAP - this.pos);
        out.set(this.input.subarray(this.inPos, this.inPos + n), this.pos);
        this.inPos += n;
        this.pos += n;
        this.storedLeft -= n;
        continue;
      }
      // S_HEADER
      const cpPos = this.inPos;
      const cpBuf = this.bitbuf;
      const cpCnt = this.bitcnt;
      if (!this.need(3)) return this.needInput();
      this.bfinal = this.take(1);
      const type = this.take(2);
      if (type === 0) {
        this.take(this.bitcnt & 7);
        this.unread();
        if (this.inEnd - this.inPos < 4) {
          this.inPos = cpPos;
          this.bitbuf = cpBuf;
          this.bitcnt = cpCnt;
          return this.needInput();
        }
        const inp = this.input;
        const p = this.inPos;
        const len = inp[p] | (inp[p + 1] << 8);
        const nlen = inp[p + 2] | (inp[p + 3] << 8);
        if (len !== (~nlen & 0xffff)) return this.fail(IE_ERR_STORED);
        this.inPos += 4;
        this.storedLeft = len;
        this.state = S_STORED;
      } else if (type === 1) {
        if (this.fixedLoaded === 0) this.loadFixed();
        this.state = S_CODES;
      } else if (type === 2) {
        const r = this.readDynamic();
        if (r === NEED_MORE) {
          this.inPos = cpPos;
          this.bitbuf = cpBuf;
          this.bitcnt = cpCnt;
          return this.needInput();
        }
        if (r !== 0) return this.fail(r);
        this.state = S_CODES;
      } else {
        return this.fail(IE_ERR_BLOCK_TYPE);
      }
    }
  }
}
