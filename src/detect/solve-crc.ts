// CRC width, polynomial and init from the records of a track.
//
// The register model (spec §5.4; recovery-facts §B.2): after the message M
// (m bits) from init I, R = (I·x^m + M·x^W) mod g, and a record is good when R
// equals its stored check C. Hence, for two records of the same length,
//
//   codeword₁ ⊕ codeword₂  ≡ 0  (mod g)        codeword = M·x^W + C, init cancels
//
// so g divides the GCD of such differences: with a few of them the GCD is g
// itself (degree W). Once g is known, each record gives its init by running
// the register backwards from C over M; the init most records agree on wins.
// Polynomials from the table (crc-table.ts) are tried the same way, so an init
// that is in no table is still found.
//
// Trust: a polynomial found by GCD is only accepted when records outside the
// ones used to find it verify ("held out"); one record alone only counts when
// both its polynomial and its init are known values.
import { GF2_BYTES_CAP, GF2_SLOT_BITS, GF2_SLOT_WORDS } from "../kernels/gf2-abi.js";
import type { Gf2Kernel } from "../kernels/gf2.js";
import { isKnownInit, knownPolys } from "./crc-table.js";

export interface CrcRecord {
  /** The bytes the check covers (the decoder's CRC input). */
  msg: Uint8Array;
  /** The stored check, W/8 bytes big endian. */
  check: Uint8Array;
}

export type Confidence = "high" | "medium" | "low";

export interface CrcSolution {
  width: number;
  poly: bigint;
  init: bigint;
  /** Distinct records that verify. */
  matches: number;
  /** Distinct records tried. */
  total: number;
  /** given = the user's value; table = a known polynomial; solved = found by GCD. */
  source: "given" | "table" | "solved";
  /** Records that verify and were not used to find the polynomial. */
  heldOut: number;
  knownInit: boolean;
  confidence: Confidence;
  /** Other solved polynomials that fit every record as well (records that vary in too few bits). */
  alternatives?: number;
}

/** How many records at most go into the GCD (the rest verify). */
const GCD_RECORDS = 12;
/** Codeword bits that go into one GCD at most (16 KiB records: 3 of them). */
const GCD_BITS = 1 << 18;
const S_ACC = 1, S_BASE = 2, S_NEXT = 3, S_SAVE = 4;

function big(hi: number, lo: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}
function halves(v: bigint): [number, number] {
  return [Number((v >> 32n) & 0xffffffffn), Number(v & 0xffffffffn)];
}
/** The stored check as an integer (big endian). */
export function checkValue(b: Uint8Array): bigint {
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return v;
}

/** Distinct records that carry evidence (an all-zero record with a zero check fits every polynomial). */
export function usableRecords(records: readonly CrcRecord[]): CrcRecord[] {
  const byHash = new Map<number, CrcRecord[]>();
  const out: CrcRecord[] = [];
  for (const r of records) {
    const n = r.msg.length + r.check.length;
    if (n > GF2_BYTES_CAP || n * 8 > GF2_SLOT_BITS) continue;
    if (r.msg.every((b) => b === 0) && r.check.every((b) => b === 0)) continue;
    const h = fnv1a(r.check, fnv1a(r.msg, 0x811c9dc5));
    const same = byHash.get(h);
    if (same?.some((o) => equalBytes(o.msg, r.msg) && equalBytes(o.check, r.check))) continue;
    if (same) same.push(r);
    else byHash.set(h, [r]);
    out.push(r);
  }
  return out;
}

function fnv1a(b: Uint8Array, h: number): number {
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i], 0x01000193);
  return h >>> 0;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The init each record implies for a polynomial (running the register backwards). */
export function impliedInits(gf: Gf2Kernel, width: number, poly: bigint, records: readonly CrcRecord[]): bigint[] {
  const [ph, pl] = halves(poly);
  return records.map((r) => {
    gf.bytes.set(r.msg);
    const [fh, fl] = halves(checkValue(r.check));
    const [h, l] = gf.crcReverse(width, ph, pl, fh, fl, r.msg.length);
    return big(h, l);
  });
}

function loadCodeword(gf: Gf2Kernel, slot: number, r: CrcRecord): number {
  gf.bytes.set(r.msg);
  gf.bytes.set(r.check, r.msg.length);
  return gf.gf2Load(slot, r.msg.length + r.check.length);
}

function copySlot(gf: Gf2Kernel, dst: number, src: number): void {
  gf.gf2Set64(dst, 0, 0);
  gf.gf2Xor(dst, src);
}

/** Largest cofactor degree searched when the GCD keeps a common factor (2^(k-1) trial divisions). */
const MAX_COFACTOR = 12;

/** Reads a slot of degree < 128 as a bigint. */
function slotBig(gf: Gf2Kernel, slot: number, deg: number): bigint {
  const base = slot * GF2_SLOT_WORDS;
  let v = 0n;
  for (let k = deg >> 5; k >= 0; k--) v = (v << 32n) | BigInt(gf.words[base + k] >>> 0);
  return v;
}

function bigDeg(v: bigint): number {
  return v === 0n ? -1 : v.toString(2).length - 1;
}

/** Quotient and remainder of a / b over GF(2), small polynomials as bigints. */
function bigDivMod(a: bigint, b: bigint): [bigint, bigint] {
  const db = bigDeg(b);
  let q = 0n, r = a;
  for (let d = bigDeg(r); d >= db; d = bigDeg(r)) {
    q ^= 1n << BigInt(d - db);
    r ^= b << BigInt(d - db);
  }
  return [q, r];
}

/**
 * The degree-W divisors of g·c when a few differences leave a common cofactor
 * c (degree ≤ MAX_COFACTOR): each candidate divides every difference used.
 */
function divisorsOfDegree(G: bigint, width: number): bigint[] {
  const k = bigDeg(G) - width;
  if (k === 0) return [G];
  if (k < 0 || k > MAX_COFACTOR) return [];
  const out = new Set<bigint>();
  const top = 1n << BigInt(k);
  for (let mid = 0n; mid < 1n << BigInt(Math.max(0, k - 1)); mid++) {
    const c = k === 0 ? 1n : top | (mid << 1n) | 1n;
    const [q, r] = bigDivMod(G, c);
    if (r === 0n && (q & 1n) === 1n) out.add(q);
  }
  return [...out];
}

/**
 * Generators of degree `width` that divide the differences of equal-length
 * codewords of the first half of the records (the second half is held out to
 * verify them), as their low W bits; with the indices of the records used.
 * Several come back when those differences share a cofactor, e.g. headers that
 * differ only in a few bits of the sector number.
 */
export function solvePoly(gf: Gf2Kernel, width: number, records: readonly CrcRecord[]): { polys: bigint[]; used: Set<number> } | undefined {
  const byLength = new Map<number, number[]>();
  records.forEach((r, i) => {
    const n = r.msg.length + r.check.length;
    if (!byLength.has(n)) byLength.set(n, []);
    byLength.get(n)!.push(i);
  });
  let group: number[] = [];
  for (const g of byLength.values()) if (g.length > group.length) group = g;
  if (group.length < 3) return undefined;
  // long records cost more per GCD: at most GCD_BITS bits of codewords go in (three at least)
  const bits = (records[group[0]].msg.length + records[group[0]].check.length) * 8;
  const most = Math.max(3, Math.min(GCD_RECORDS, Math.floor(GCD_BITS / bits)));
  const half = group.slice(0, Math.min(most, Math.ceil(group.length / 2)));
  const used = new Set<number>([half[0]]);
  loadCodeword(gf, S_BASE, records[half[0]]);
  let deg = -1;
  for (const i of half.slice(1)) {
    loadCodeword(gf, S_NEXT, records[i]);
    if (gf.gf2Xor(S_NEXT, S_BASE) < 0) continue;
    gf.gf2StripX(S_NEXT);
    if (deg < 0) {
      copySlot(gf, S_ACC, S_NEXT);
      deg = gf.gf2Degree(S_ACC);
      if (deg < width) { // this record disagrees with the first: neither is trusted yet
        deg = -1;
        continue;
      }
      used.add(i);
      continue;
    }
    copySlot(gf, S_SAVE, S_ACC);
    const d = gf.gf2Gcd(S_ACC, S_NEXT);
    if (d < width) { // a bad record: keep the GCD without it
      copySlot(gf, S_ACC, S_SAVE);
      continue;
    }
    deg = d;
    used.add(i);
    if (deg === width) break;
  }
  if (deg < width || deg > width + MAX_COFACTOR) return undefined;
  const mask = (1n << BigInt(width)) - 1n;
  const polys = divisorsOfDegree(slotBig(gf, S_ACC, deg), width).map((g) => g & mask).filter((p) => (p & 1n) === 1n);
  return polys.length ? { polys, used } : undefined;
}

/** The best (poly, init) of a width for these records, or undefined when nothing verifies. */
export function solveCrc(
  gf: Gf2Kernel,
  width: number,
  input: readonly CrcRecord[],
  fixed: { poly?: bigint; init?: bigint } = {},
): CrcSolution | undefined {
  const records = usableRecords(input);
  if (records.length === 0) return undefined;
  const mask = (1n << BigInt(width)) - 1n;
  const candidates: { poly: bigint; source: CrcSolution["source"]; used: Set<number> }[] = [];
  if (fixed.poly !== undefined) {
    candidates.push({ poly: fixed.poly & mask, source: "given", used: new Set() });
  } else {
    for (const p of knownPolys(width)) candidates.push({ poly: p, source: "table", used: new Set() });
    const solved = solvePoly(gf, width, records);
    for (const poly of (solved?.polys ?? []).slice(0, 64)) {
      if (!candidates.some((c) => c.poly === poly)) candidates.push({ poly, source: "solved", used: solved!.used });
    }
  }
  let best: CrcSolution | undefined;
  let ties = 0;
  for (const c of candidates) {
    if ((c.poly & 1n) === 0n) continue;
    const inits = impliedInits(gf, width, c.poly, records);
    let init: bigint;
    if (fixed.init !== undefined) {
      init = fixed.init & mask;
    } else {
      const counts = new Map<bigint, number>();
      for (const v of inits) counts.set(v, (counts.get(v) ?? 0) + 1);
      init = inits[0];
      for (const [v, n] of counts) {
        const cur = counts.get(init)!;
        if (n > cur || (n === cur && isKnownInit(width, v) && !isKnownInit(width, init))) init = v;
      }
    }
    let matches = 0, heldOut = 0;
    inits.forEach((v, i) => {
      if (v !== init) return;
      matches++;
      if (!c.used.has(i)) heldOut++;
    });
    const knownInit = isKnownInit(width, init);
    const givenInit = fixed.init !== undefined;
    // one verifying record is evidence only when nothing about it was fitted to that record
    if (matches === 0) continue;
    // a third of the distinct records at least: two of 27 agreeing on an init is a coincidence (2^-W per pair)
    if (matches * 3 < records.length) continue;
    if (matches === 1 && !(givenInit || (knownInit && c.source !== "solved"))) continue;
    if (c.source === "solved" && heldOut === 0) continue;
    let confidence: Confidence;
    if (matches >= 3 && (c.source !== "solved" || heldOut >= 1)) confidence = "high";
    else if (matches >= 2 || knownInit || givenInit) confidence = "medium";
    else confidence = "low";
    const s: CrcSolution = { width, poly: c.poly, init, matches, total: records.length, source: c.source, heldOut, knownInit, confidence };
    if (best && s.matches === best.matches && s.source === "solved" && best.source === "solved") ties++;
    if (best && s.matches > best.matches) ties = 0;
    if (!best || s.matches > best.matches || (s.matches === best.matches && s.knownInit && !best.knownInit)) best = s;
  }
  if (best && ties > 0 && best.source === "solved") {
    // several generators fit every record (the differences span too few bits): any decodes this
    // track alike, but which one the controller used is not known
    best = { ...best, confidence: best.confidence === "high" ? "medium" : best.confidence, alternatives: ties };
  }
  return best;
}
