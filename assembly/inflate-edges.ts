// Fused inflate → leading edges (Wasm kernel). Twin: src/kernels/inflate-edges.ts.
// ABI (regions, statuses): src/kernels/inflate-edges-abi.ts. Built as a module
// of its own (build/inflate-edges.wasm, assembly/build.mjs), so its memory never
// touches the decoding kernels'.
//
// Input: a raw DEFLATE stream (RFC 1951), the body of a ZIP member of method 8
// (a sigrok `logic-1-N`), given in chunks. Output: the same edge records that
// inflating the whole stream and running edgesExtract (assembly/edges.ts) over
// the samples would give — edges[j] = global sample number of a leading edge,
// index[j] = the index level there — without the samples ever existing whole:
// they pass through a window of IE_WSIZE + IE_PIECE bytes.
//
// Bits (RFC 1951 §3.1.1): bytes are read LSB first; Huffman codes are packed
// starting with their most significant bit, every other field LSB first.
//
//   stream   [block][block]...[block with BFINAL=1] (anything after is ignored)
//   block    BFINAL:1 BTYPE:2 ...                          §3.2.3
//     00 stored   skip to a byte boundary, LEN:16 NLEN:16 (NLEN = ~LEN), LEN bytes   §3.2.4
//     01 fixed    symbols in the fixed code                §3.2.6
//     10 dynamic  HLIT:5 HDIST:5 HCLEN:4, (HCLEN+4)×3 code-length code lengths in
//                 the order 16 17 18 0 8 7 9 6 10 5 11 4 12 3 13 2 14 1 15, then
//                 HLIT+257 + HDIST+1 code lengths in that code:
//                 0-15 a length, 16 +2 bits: previous 3-6 times, 17 +3: 3-10 zeros,
//                 18 +7: 11-138 zeros                      §3.2.7
//     11 reserved → IE_ERR_BLOCK_TYPE
//   symbols  0-255 literal byte, 256 end of block, 257-285 a length 3..258
//            (+0..5 extra bits), then a distance code 0-29 (+0..13 extra bits)
//            for a distance 1..32768                       §3.2.5
//
// Canonical codes (§3.2.2): the codes of one length are consecutive integers,
// each length's first code is (first of the length below + its count) << 1.
// Decoding: a 2^10-entry table indexed by the next 10 stream bits (codes
// reversed, since they arrive MSB first) holds (symbol << 4 | length) for
// codes of ≤ 10 bits; longer codes (and bit patterns that are no code) fall to
// a bit-by-bit canonical walk. Code sets must be complete, as zlib requires,
// except a distance (or literal/length) code with one code of length 1 and a
// distance code with none at all; an over-subscribed set is an error.
//
// Window (out region):  [ IE_WSIZE history | new bytes ... pos )   ≤ IE_OUT_CAP
// Matches copy inside it: distance 1 is a run of one value (a splat fill),
// distance ≥ 16 copies 16 bytes at a time (each read lies before the write),
// 2..15 doubles the period. When pos passes IE_OUT_CAP - 258 the new bytes are
// scanned for edges, the last IE_WSIZE bytes slide to the front, and ieRun
// returns IE_PIECE_DONE so the caller drains the edges.
//
// Edges (the test of assembly/edges.ts, decoder spec §1.1), 16 lanes per vector:
//   edge(i) = (s[i-1] & D) == prevTarget && (s[i] & (D|S)) == curTarget
// over every sample in stream order, s[-1] carried across calls and streams;
// the first sample after ieConfigure has no predecessor and is never an edge.
//
// CRC-32 (the ZIP member's check) over the scanned samples: the kernel's own
// (slice-by-8, IE_CRC_KERNEL) or the host's (IE_CRC_HOST: each scanned run
// handed to env.ieHostBytes, once, in stream order).
//
// Input exhaustion: every step (block header with its whole dynamic code
// description, one symbol with its length and distance, a stored block's
// LEN/NLEN) is decoded from a checkpoint; when the input runs out inside a step
// the checkpoint is restored and ieRun returns IE_NEED_INPUT (IE_ERR_TRUNCATED
// after the last input). Errors are sticky until ieBegin. Nothing is read or
// written outside the regions, whatever the input.
import {
  IE_IN_CAP, IE_WSIZE, IE_OUT_CAP, IE_MAX_MATCH, IE_EDGE_CAP, IE_CRC_KERNEL, IE_CRC_HOST,
  IE_DONE, IE_NEED_INPUT, IE_PIECE_DONE,
  IE_ERR_TRUNCATED, IE_ERR_BLOCK_TYPE, IE_ERR_STORED, IE_ERR_CODES, IE_ERR_SYMBOL, IE_ERR_DISTANCE, IE_ERR_INPUT,
} from "../src/kernels/inflate-edges-abi";
import { INDEX_ABSENT } from "../src/kernels/abi";

/** IE_CRC_HOST: the samples [ptr, ptr + len) scanned, handed to the host (a view, for the call only). */
@external("env", "ieHostBytes")
declare function hostBytes(ptr: usize, len: i32): void;

const IN: usize = memory.data(IE_IN_CAP + 16, 16);
const OUT: usize = memory.data(IE_OUT_CAP + 32, 16);
const EDGES: usize = memory.data(IE_EDGE_CAP * 8, 16);
const INDEX: usize = memory.data(IE_EDGE_CAP, 16);

const FAST_BITS: i32 = 10;
const FAST_SIZE: i32 = 1 << FAST_BITS;
const LIT_FAST: usize = memory.data(FAST_SIZE * 4, 16);
const DIST_FAST: usize = memory.data(FAST_SIZE * 4, 16);
const LIT_CNT: usize = memory.data(16 * 2, 16);
const DIST_CNT: usize = memory.data(16 * 2, 16);
const LIT_SYM: usize = memory.data(288 * 2, 16);
const DIST_SYM: usize = memory.data(32 * 2, 16);
const LENS: usize = memory.data(320, 16);
const OFFS: usize = memory.data(16 * 2, 16);
const NEXT: usize = memory.data(16 * 2, 16);
const CRC_T: usize = memory.data(8 * 256 * 4, 16);
// The order of the code-length code lengths (§3.2.7).
const CL_ORDER: usize = memory.data<u8>([16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]);

export function ieInPtr(): usize { return IN; }
export function ieEdgesPtr(): usize { return EDGES; }
export function ieIndexPtr(): usize { return INDEX; }
export function ieOutPtr(): usize { return OUT; }

// ---- state
const S_HEADER = 0;
const S_STORED = 1;
const S_CODES = 2;
const S_DONE = 3;
const S_ERROR = 4;

let inPos: i32 = 0;
let inEnd: i32 = 0;
let lastInput: i32 = 0;
let bitbuf: u64 = 0;
let bitcnt: i32 = 0;
let state: i32 = S_HEADER;
let bfinal: i32 = 0;
let storedLeft: i32 = 0;
let err: i32 = 0;
let fixedLoaded: i32 = 0;
let pos: i32 = 0;
let scanFrom: i32 = 0;
/** Stream bytes before out[0]. */
let slid: f64 = 0;
/** Global sample number of the stream's first byte. */
let streamStart: f64 = 0;
let nEdges: i32 = 0;

// edge test
let noEdges: i32 = 1;
let dMask: i32 = 0;
let cMask: i32 = 0;
let prevTarget: i32 = 0;
let curTarget: i32 = 0;
let iShift: u32 = 0;
let iAnd: u32 = 0;
let iOr: u32 = INDEX_ABSENT;
let prevSample: i32 = -1;

let crcOn: i32 = 0;
let crc: u32 = 0xffffffff;
let crcReady: i32 = 0;

/**
 * Edge parameters for a capture (as edgesExtract's) and what becomes of each
 * stream's CRC-32 (IE_CRC_NONE, IE_CRC_KERNEL, IE_CRC_HOST); forgets the carried sample and restarts the global
 * sample count at 0. Call ieBegin before each stream.
 */
export function ieConfigure(dataBit: i32, indexBit: i32, suppressBit: i32, rising: i32, withCrc: i32): void {
  prevSample = -1;
  streamStart = 0;
  slid = 0;
  pos = 0;
  scanFrom = 0;
  dMask = <u32>dataBit <= 7 ? 1 << dataBit : 0;
  const sMask: i32 = <u32>suppressBit <= 7 ? 1 << suppressBit : 0;
  noEdges = dMask == 0 || (rising != 0 && sMask == dMask) ? 1 : 0;
  cMask = dMask | sMask;
  prevTarget = rising != 0 ? 0 : dMask;
  curTarget = rising != 0 ? dMask : 0;
  const iPresent = <u32>indexBit <= 7;
  iShift = iPresent ? <u32>indexBit : 0;
  iAnd = iPresent ? 1 : 0;
  iOr = iPresent ? 0 : INDEX_ABSENT;
  crcOn = withCrc == IE_CRC_HOST ? IE_CRC_HOST : withCrc != 0 ? IE_CRC_KERNEL : 0;
  if (crcOn == IE_CRC_KERNEL && crcReady == 0) {
    // CRC-32 (reflected polynomial 0xEDB88320, ISO 3309 / ZIP), 8 tables for 8 bytes a step:
    // table t maps a byte to its contribution t bytes before the end of the step.
    for (let i: u32 = 0; i < 256; i++) {
      let c = i;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >> 1) : c >> 1;
      store<u32>(CRC_T + (<usize>i << 2), c);
    }
    for (let i: usize = 0; i < 256; i++) {
      let c = load<u32>(CRC_T + (i << 2));
      for (let t: usize = 1; t < 8; t++) {
        c = load<u32>(CRC_T + (<usize>(c & 0xff) << 2)) ^ (c >> 8);
        store<u32>(CRC_T + (t << 10) + (i << 2), c);
      }
    }
    crcReady = 1;
  }
}

/** Starts a new deflate stream (a new member); its samples follow the previous stream's. */
export function ieBegin(): void {
  streamStart += slid + <f64>pos;
  inPos = 0; inEnd = 0; lastInput = 0;
  bitbuf = 0; bitcnt = 0;
  state = S_HEADER; bfinal = 0; storedLeft = 0; err = 0;
  pos = 0; scanFrom = 0; slid = 0;
  crc = 0xffffffff;
}

/** Where the next input goes (unconsumed input is moved to the front first); room = IE_IN_CAP - that. */
export function ieInputSpace(): i32 {
  const keep = inEnd - inPos;
  if (inPos > 0 && keep > 0) memory.copy(IN, IN + <usize>inPos, <usize>keep);
  inPos = 0;
  inEnd = keep;
  return keep;
}

/** len bytes were written at ieInputSpace(); last = 1 when the stream has no more. */
export function ieInput(len: i32, last: i32): i32 {
  if (state == S_ERROR) return err;
  if (len < 0 || len > IE_IN_CAP - inEnd || lastInput != 0) return fail(IE_ERR_INPUT);
  inEnd += len;
  if (last != 0) lastInput = 1;
  return 0;
}

/** Bytes of the stream written so far. */
export function ieProduced(): f64 { return slid + <f64>pos; }
/** Edge records in the regions from the last ieRun. */
export function ieEdgeCount(): i32 { return nEdges; }
/** The stream's CRC-32 so far (of the scanned bytes: all of them after IE_DONE). */
export function ieCrc(): u32 { return crc ^ 0xffffffff; }
/** Compressed bytes not consumed yet (after IE_DONE: what follows the final block, whole bytes). */
export function ieInputLeft(): i32 { return inEnd - inPos + (bitcnt >> 3); }

function fail(code: i32): i32 {
  state = S_ERROR;
  err = code;
  return code;
}

// ---- bits

@inline function refill(): void {
  if (inEnd - inPos >= 8) {
    bitbuf |= load<u64>(IN + <usize>inPos) << <u64>bitcnt;
    inPos += (63 - bitcnt) >> 3;
    bitcnt |= 56;
  } else {
    while (bitcnt <= 56 && inPos < inEnd) {
      bitbuf |= <u64>load<u8>(IN + <usize>inPos) << <u64>bitcnt;
      inPos++;
      bitcnt += 8;
    }
  }
}

@inline function need(n: i32): bool {
  if (bitcnt < n) refill();
  return bitcnt >= n;
}

@inline function take(n: i32): i32 {
  const v = <i32>(bitbuf & ((<u64>1 << <u64>n) - 1));
  bitbuf >>= <u64>n;
  bitcnt -= n;
  return v;
}

/** Gives whole unread bytes of the bit buffer back to the input. */
function unread(): void {
  inPos -= bitcnt >> 3;
  bitcnt &= 7;
  bitbuf &= (<u64>1 << <u64>bitcnt) - 1;
}

const NEED_MORE: i32 = -1;
const NO_CODE: i32 = -2;

/** Canonical walk for codes longer than the table (or no code): symbol, NEED_MORE or NO_CODE. */
function slowDecode(cnt: usize, sym: usize): i32 {
  let code: i32 = 0;
  let first: i32 = 0;
  let index: i32 = 0;
  for (let len = 1; len <= 15; len++) {
    if (len > bitcnt) return NEED_MORE;
    code |= <i32>((bitbuf >> <u64>(len - 1)) & 1);
    const count = <i32>load<u16>(cnt + (<usize>len << 1));
    if (code - first < count) {
      bitbuf >>= <u64>len;
      bitcnt -= len;
      return <i32>load<u16>(sym + (<usize>(index + code - first) << 1));
    }
    index += count;
    first = (first + count) << 1;
    code <<= 1;
  }
  return NO_CODE;
}

@inline function decode(fast: usize, cnt: usize, sym: usize): i32 {
  const e = load<i32>(fast + (<usize>(<i32>bitbuf & (FAST_SIZE - 1)) << 2));
  if (e != 0) {
    const l = e & 15;
    if (l > bitcnt) return NEED_MORE;
    bitbuf >>= <u64>l;
    bitcnt -= l;
    return e >> 4;
  }
  return slowDecode(cnt, sym);
}

// ---- code tables

const K_CL = 0;
const K_LIT = 1;
const K_DIST = 2;

/**
 * Tables for the n code lengths at LENS + at: counts, sorted symbols and the
 * fast table. 0 = usable, else IE_ERR_CODES.
 */
function build(at: i32, n: i32, fast: usize, cnt: usize, sym: usize, kind: i32): i32 {
  memory.fill(cnt, 0, 32);
  const lens = LENS + <usize>at;
  for (let s = 0; s < n; s++) {
    const l = <usize>load<u8>(lens + <usize>s);
    if (l != 0) store<u16>(cnt + (l << 1), load<u16>(cnt + (l << 1)) + 1);
  }
  let max = 0;
  let left: i32 = 1;
  for (let l = 1; l <= 15; l++) {
    const c = <i32>load<u16>(cnt + (<usize>l << 1));
    if (c != 0) max = l;
    left = (left << 1) - c;
    if (left < 0) return IE_ERR_CODES; // over-subscribed
  }
  memory.fill(fast, 0, <usize>FAST_SIZE << 2);
  if (max == 0) return kind == K_DIST ? 0 : IE_ERR_CODES; // no codes: only a distance code may be empty
  if (left > 0 && (kind == K_CL || max != 1)) return IE_ERR_CODES; // incomplete
  // Sorted symbols (by length, then value) and each length's first code (§3.2.2).
  let o: i32 = 0;
  let code: i32 = 0;
  for (let l = 1; l <= 15; l++) {
    const c = <i32>load<u16>(cnt + (<usize>l << 1));
    store<u16>(OFFS + (<usize>l << 1), <u16>o);
    code = (code + <i32>load<u16>(cnt + (<usize>(l - 1) << 1))) << 1; // cnt[0] = 0
    store<u16>(NEXT + (<usize>l << 1), <u16>code);
    o += c;
  }
  for (let s = 0; s < n; s++) {
    const l = <i32>load<u8>(lens + <usize>s);
    if (l == 0) continue;
    const oa = OFFS + (<usize>l << 1);
    const k = <i32>load<u16>(oa);
    store<u16>(sym + (<usize>k << 1), <u16>s);
    store<u16>(oa, <u16>(k + 1));
    const na = NEXT + (<usize>l << 1);
    const c = <i32>load<u16>(na);
    store<u16>(na, <u16>(c + 1));
    if (l <= FAST_BITS) {
      let r: i32 = 0;
      for (let b = 0; b < l; b++) r |= ((c >> b) & 1) << (l - 1 - b);
      const e = (s << 4) | l;
      for (let j = r; j < FAST_SIZE; j += 1 << l) store<i32>(fast + (<usize>j << 2), e);
    }
  }
  return 0;
}

function loadFixed(): void {
  // §3.2.6: literal/length 0-143: 8 bits, 144-255: 9, 256-279: 7, 280-287: 8; distances 0-31: 5.
  memory.fill(LENS, 8, 144);
  memory.fill(LENS + 144, 9, 112);
  memory.fill(LENS + 256, 7, 24);
  memory.fill(LENS + 280, 8, 8);
  build(0, 288, LIT_FAST, LIT_CNT, LIT_SYM, K_LIT);
  memory.fill(LENS, 5, 32);
  build(0, 32, DIST_FAST, DIST_CNT, DIST_SYM, K_DIST);
  fixedLoaded = 1;
}

/** The dynamic code description (§3.2.7): 0, NEED_MORE or an error status. */
function readDynamic(): i32 {
  if (!need(14)) return NEED_MORE;
  const nlen = take(5) + 257;
  const ndist = take(5) + 1;
  const ncl = take(4) + 4;
  if (nlen > 286 || ndist > 30) return IE_ERR_CODES;
  fixedLoaded = 0; // the tables are overwritten from here on, whatever happens
  memory.fill(LENS, 0, 19);
  for (let i = 0; i < ncl; i++) {
    if (!need(3)) return NEED_MORE;
    store<u8>(LENS + <usize>load<u8>(CL_ORDER + <usize>i), <u8>take(3));
  }
  // The code-length code goes in the literal tables for now.
  let r = build(0, 19, LIT_FAST, LIT_CNT, LIT_SYM, K_CL);
  if (r != 0) return r;
  const total = nlen + ndist;
  let i = 0;
  while (i < total) {
    refill();
    const s = decode(LIT_FAST, LIT_CNT, LIT_SYM);
    if (s < 0) return s == NEED_MORE ? NEED_MORE : IE_ERR_CODES;
    if (s < 16) {
      store<u8>(LENS + <usize>i, <u8>s);
      i++;
      continue;
    }
    let v: i32 = 0;
    let rep: i32;
    if (s == 16) {
      if (i == 0) return IE_ERR_CODES;
      v = <i32>load<u8>(LENS + <usize>(i - 1));
      if (!need(2)) return NEED_MORE;
      rep = 3 + take(2);
    } else if (s == 17) {
      if (!need(3)) return NEED_MORE;
      rep = 3 + take(3);
    } else {
      if (!need(7)) return NEED_MORE;
      rep = 11 + take(7);
    }
    if (i + rep > total) return IE_ERR_CODES;
    memory.fill(LENS + <usize>i, <u8>v, <usize>rep);
    i += rep;
  }
  if (load<u8>(LENS + 256) == 0) return IE_ERR_CODES; // no end-of-block code
  r = build(0, nlen, LIT_FAST, LIT_CNT, LIT_SYM, K_LIT);
  if (r != 0) return r;
  // The distance lengths follow the literal/length ones in LENS.
  return build(nlen, ndist, DIST_FAST, DIST_CNT, DIST_SYM, K_DIST);
}

// ---- edges and CRC over new window bytes

function scan(a: i32, b: i32): void {
  if (a >= b) return;
  if (crcOn == IE_CRC_KERNEL) crcOver(a, b);
  else if (crcOn == IE_CRC_HOST) hostBytes(OUT + <usize>a, b - a);
  const gbase = streamStart + slid;
  if (noEdges != 0) {
    prevSample = <i32>load<u8>(OUT + <usize>(b - 1));
    return;
  }
  let n = nEdges;
  // Sample a against the carried predecessor.
  const s0 = <i32>load<u8>(OUT + <usize>a);
  if (prevSample >= 0 && (prevSample & dMask) == prevTarget && (s0 & cMask) == curTarget) {
    store<f64>(EDGES + (<usize>n << 3), gbase + <f64>a);
    store<u8>(INDEX + <usize>n, ((<u32>s0 >> iShift) & iAnd) | iOr);
    n++;
  }
  const vD = i8x16.splat(<i8>dMask);
  const vC = i8x16.splat(<i8>cMask);
  const vPT = i8x16.splat(<i8>prevTarget);
  const vCT = i8x16.splat(<i8>curTarget);
  let i = a + 1;
  for (; i + 32 <= b; i += 32) {
    const p = OUT + <usize>i;
    const l0 = v128.and(i8x16.eq(v128.and(v128.load(p - 1), vD), vPT), i8x16.eq(v128.and(v128.load(p), vC), vCT));
    const l1 = v128.and(i8x16.eq(v128.and(v128.load(p + 15), vD), vPT), i8x16.eq(v128.and(v128.load(p + 16), vC), vCT));
    let m: u32 = <u32>i8x16.bitmask(l0) | (<u32>i8x16.bitmask(l1) << 16);
    while (m != 0) {
      const at = i + <i32>ctz<u32>(m);
      store<f64>(EDGES + (<usize>n << 3), gbase + <f64>at);
      store<u8>(INDEX + <usize>n, ((<u32>load<u8>(OUT + <usize>at) >> iShift) & iAnd) | iOr);
      n++;
      m &= m - 1;
    }
  }
  let p = <i32>load<u8>(OUT + <usize>(i - 1));
  for (; i < b; i++) {
    const c = <i32>load<u8>(OUT + <usize>i);
    if ((p & dMask) == prevTarget && (c & cMask) == curTarget) {
      store<f64>(EDGES + (<usize>n << 3), gbase + <f64>i);
      store<u8>(INDEX + <usize>n, ((<u32>c >> iShift) & iAnd) | iOr);
      n++;
    }
    p = c;
  }
  prevSample = p;
  nEdges = n;
}

function crcOver(a: i32, b: i32): void {
  let c = crc;
  let i = a;
  for (; i + 8 <= b; i += 8) {
    const p = OUT + <usize>i;
    c ^= load<u32>(p);
    const h = load<u32>(p + 4);
    c = load<u32>(CRC_T + (7 << 10) + (<usize>(c & 0xff) << 2)) ^
        load<u32>(CRC_T + (6 << 10) + (<usize>((c >> 8) & 0xff) << 2)) ^
        load<u32>(CRC_T + (5 << 10) + (<usize>((c >> 16) & 0xff) << 2)) ^
        load<u32>(CRC_T + (4 << 10) + (<usize>(c >> 24) << 2)) ^
        load<u32>(CRC_T + (3 << 10) + (<usize>(h & 0xff) << 2)) ^
        load<u32>(CRC_T + (2 << 10) + (<usize>((h >> 8) & 0xff) << 2)) ^
        load<u32>(CRC_T + (1 << 10) + (<usize>((h >> 16) & 0xff) << 2)) ^
        load<u32>(CRC_T + (<usize>(h >> 24) << 2));
  }
  for (; i < b; i++) c = load<u32>(CRC_T + (<usize>((c ^ <u32>load<u8>(OUT + <usize>i)) & 0xff) << 2)) ^ (c >> 8);
  crc = c;
}

/** Scans the new bytes; slides the window when it is past its high mark. */
function flush(): void {
  scan(scanFrom, pos);
  scanFrom = pos;
  if (pos > IE_OUT_CAP - IE_MAX_MATCH) {
    const drop = pos - IE_WSIZE;
    memory.copy(OUT, OUT + <usize>drop, <usize>IE_WSIZE);
    slid += <f64>drop;
    pos = IE_WSIZE;
    scanFrom = pos;
  }
}

// ---- copies

/** out[pos, pos+len) = out[pos-dist, ...), LZ77 order (dist may be < len). May write 15 bytes past the end. */
@inline function copyMatch(dist: i32, len: i32): void {
  const dst = OUT + <usize>pos;
  if (dist == 1) {
    const v = i8x16.splat(load<i8>(dst - 1));
    for (let k: usize = 0; k < <usize>len; k += 16) v128.store(dst + k, v);
  } else if (dist >= 16) {
    const src = dst - <usize>dist;
    for (let k: usize = 0; k < <usize>len; k += 16) v128.store(dst + k, v128.load(src + k));
  } else {
    // Period 2..15: copy the period once, then double what is copied.
    const src = dst - <usize>dist;
    const end = dst + <usize>len;
    let cur = dst;
    while (cur < end) {
      let n = cur - src;
      if (n > end - cur) n = end - cur;
      memory.copy(cur, src, n);
      cur += n;
    }
  }
}

// ---- the decoder

/**
 * Runs until the input is consumed (IE_NEED_INPUT), a window piece is scanned
 * (IE_PIECE_DONE), the final block ends (IE_DONE) or an error (< 0). The edges
 * found by this call are in the edges/index regions, ieEdgeCount() of them.
 */
export function ieRun(): i32 {
  nEdges = 0;
  if (state == S_ERROR) return err;
  for (;;) {
    if (state == S_DONE) {
      flush();
      return IE_DONE;
    }
    if (pos > IE_OUT_CAP - IE_MAX_MATCH) {
      flush();
      return IE_PIECE_DONE;
    }
    if (state == S_CODES) {
      // Symbols while the window has room (no checkpoint needed on the fast path).
      const limit = IE_OUT_CAP - IE_MAX_MATCH;
      while (pos <= limit) {
        const cpPos = inPos;
        const cpBuf = bitbuf;
        const cpCnt = bitcnt;
        refill();
        let s = decode(LIT_FAST, LIT_CNT, LIT_SYM);
        if (s < 256) {
          if (s >= 0) {
            store<u8>(OUT + <usize>pos, <u8>s);
            pos++;
            continue;
          }
          if (s == NO_CODE) return fail(IE_ERR_SYMBOL);
          inPos = cpPos; bitbuf = cpBuf; bitcnt = cpCnt;
          return needInput();
        }
        if (s == 256) {
          state = bfinal != 0 ? S_DONE : S_HEADER;
          break;
        }
        s -= 257;
        if (s >= 29) return fail(IE_ERR_SYMBOL);
        let len: i32;
        if (s < 8) {
          len = s + 3;
        } else if (s == 28) {
          len = 258;
        } else {
          const e = (s >> 2) - 1;
          if (bitcnt < e) refill();
          if (bitcnt < e) { inPos = cpPos; bitbuf = cpBuf; bitcnt = cpCnt; return needInput(); }
          len = ((4 + (s & 3)) << e) + 3 + take(e);
        }
        if (bitcnt < 15) refill();
        const d = decode(DIST_FAST, DIST_CNT, DIST_SYM);
        if (d < 0) {
          if (d == NO_CODE) return fail(IE_ERR_SYMBOL);
          inPos = cpPos; bitbuf = cpBuf; bitcnt = cpCnt;
          return needInput();
        }
        if (d >= 30) return fail(IE_ERR_SYMBOL);
        let dist: i32;
        if (d < 4) {
          dist = d + 1;
        } else {
          const e = (d >> 1) - 1;
          if (bitcnt < e) refill();
          if (bitcnt < e) { inPos = cpPos; bitbuf = cpBuf; bitcnt = cpCnt; return needInput(); }
          dist = ((2 + (d & 1)) << e) + 1 + take(e);
        }
        if (dist > pos) return fail(IE_ERR_DISTANCE);
        copyMatch(dist, len);
        pos += len;
      }
      continue;
    }
    if (state == S_STORED) {
      if (storedLeft == 0) {
        state = bfinal != 0 ? S_DONE : S_HEADER;
        continue;
      }
      const avail = inEnd - inPos;
      if (avail == 0) return needInput();
      let n = storedLeft;
      if (n > avail) n = avail;
      const room = IE_OUT_CAP - pos;
      if (n > room) n = room;
      memory.copy(OUT + <usize>pos, IN + <usize>inPos, <usize>n);
      inPos += n;
      pos += n;
      storedLeft -= n;
      continue;
    }
    // S_HEADER
    const cpPos = inPos;
    const cpBuf = bitbuf;
    const cpCnt = bitcnt;
    if (!need(3)) return needInput();
    bfinal = take(1);
    const type = take(2);
    if (type == 0) {
      // §3.2.4: skip to the byte boundary; LEN and NLEN are whole bytes.
      take(bitcnt & 7);
      unread();
      if (inEnd - inPos < 4) { inPos = cpPos; bitbuf = cpBuf; bitcnt = cpCnt; return needInput(); }
      const len = <i32>load<u16>(IN + <usize>inPos);
      const nlen = <i32>load<u16>(IN + <usize>inPos + 2);
      if (len != (~nlen & 0xffff)) return fail(IE_ERR_STORED);
      inPos += 4;
      storedLeft = len;
      state = S_STORED;
    } else if (type == 1) {
      if (fixedLoaded == 0) loadFixed();
      state = S_CODES;
    } else if (type == 2) {
      const r = readDynamic();
      if (r == NEED_MORE) { inPos = cpPos; bitbuf = cpBuf; bitcnt = cpCnt; return needInput(); }
      if (r != 0) return fail(r);
      state = S_CODES;
    } else {
      return fail(IE_ERR_BLOCK_TYPE);
    }
  }
  return err; // not reached: the loop only returns
}

/** The input ran out inside a step (the checkpoint is restored): scan what is new, ask for more. */
function needInput(): i32 {
  if (lastInput != 0) return fail(IE_ERR_TRUNCATED);
  unread();
  flush();
  return IE_NEED_INPUT;
}
