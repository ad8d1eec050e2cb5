// A bit-wise vote over several bad copies of one data record, then its check
// (issue 11, part 3). Used by src/recover/merge.ts when no copy of a sector
// verifies; a sector whose vote verifies gets the status `voted`.
//
// Input: each copy's CRC input followed by its stored check (DataRecord.crcInput,
// the record of the datacrc stream, spec §6.7). Copies of another length than
// the most common one are left out. Per bit (bit 0 = MSB of byte 0), the value
// most copies hold wins; a bit the copies split evenly on is an *erasure*.
//
//   copies ──▶ majority per bit ──▶ candidates (2^erasures) ──▶ check
//                                          │ none verifies, no erasure
//                                          ▼
//                         ECC within the code's span (spans.ts) ──▶ check
//
// The check: the register run from the code's init over the whole record
// (message and stored check) is zero exactly when the check verifies. It is
// affine in the record, so each erasure's effect is computed once and the
// candidates are tried by XOR (Gray code) instead of 2^e CRC runs. Before any
// vote the model is checked against the decoder: the CRC diskflux computes over
// every copy must equal the one the decoder reported (`computed`), else (a preset
// quirk such as spec §5.4's shared table of unequal widths) nothing is voted.
//
// Odds of a wrong sector (the bound the README quotes). A payload that is not
// the one written passes a W-bit check with probability 2^-W per candidate, so
// a vote that tries T candidates accepts a wrong sector with at most T · 2^-W.
// diskflux keeps that below 1e-6 (VOTE_BOUND):
//
//   W ≥ 32   T = 2^e candidates for e erasures, e ≤ W − 20 (32 bits: e ≤ 12),
//            so T · 2^-W ≤ 2^-20 ≈ 9.5e-7, and e ≤ MAX_ERASURES (12: at most
//            4096 candidates, for time); exactly one candidate must verify
//            (two verifying candidates: ambiguous, the sector stays bad).
//            Two copies are enough: the bits where they differ are the erasures
//            (the 2-copy rule). With no erasure and no verifying candidate, the
//            voted record goes through ECC with the code's span, as a single
//            read would in recover.ts; that adds the span table's miscorrection
//            estimate (recovery-facts §A.4, spans.ts miscorrectionEstimate), no
//            more than a `corrected` sector carries.
//   W < 32   (the 16-bit CCITT of floppies and most headers) one candidate
//            alone gives 2^-16 ≈ 1.5e-5 > 1e-6: the check cannot keep the bound,
//            so the copies must. A vote is accepted only with ≥ 3 copies, no
//            erasure, and at every bit at most one copy dissenting from the
//            majority (so with 3 copies every bit is 3–0 or 2–1); no ECC (the
//            16-bit span is 0 anyway). The vote is then wrong only where all
//            copies but one were damaged alike at one bit, and that wrong
//            payload must still pass the check: P(wrong) ≤ P_alike · 2^-16,
//            below 1e-6 while P_alike (two reads damaged the same way at the
//            same bit, which independent reads of weak bits make rare) < 6.5 %.
//            Damage that repeats on every read (a scratch) is out of reach of
//            any vote: the copies agree on it and the check fails.
import { crcBuildTable, crcUpdate } from "../kernels/crc.js";
import type { EccKernel } from "../kernels/ecc-load.js";

/**
 * Most erasures a vote tries both ways (2^12 = 4096 candidates), whatever the check's width.
 *
 * @example
 * import { MAX_ERASURES } from "diskflux";
 * console.log(2 ** MAX_ERASURES); // 4096 candidates at most
 */
export const MAX_ERASURES = 12;

/**
 * The wrong-sector bound a vote keeps (see the header).
 *
 * @example
 * import { VOTE_BOUND } from "diskflux";
 * const erasures = 12; // a 32-bit check: 2^12 candidates
 * console.log(2 ** erasures * 2 ** -32 <= VOTE_BOUND); // true; 13 erasures would not be
 */
export const VOTE_BOUND = 1e-6;

/** The check of a data record: width in bits, polynomial without x^W, init (spec §5.4). */
export interface CheckParams {
  readonly width: number;
  readonly poly: bigint;
  readonly init: bigint;
}

export interface VoteCopy {
  /** CRC input then the stored check (DataRecord.crcInput). */
  readonly crcInput: Uint8Array;
  /** The decoder's computed check over this copy, upper-case hex (CrcVerdict.computed); checks the CRC model. */
  readonly computed?: string;
}

export interface VoteOptions {
  /** ECC after a vote with no erasure (W ≥ 32 only); without it, no ECC. */
  readonly ecc?: EccKernel;
  /** The ECC span (src/recover/spans.ts resolveSpan); 0 = none. */
  readonly span?: number;
}

/** What a vote did, accepted or not (MergeEvidence.vote). */
export interface VoteEvidence {
  /** Copies voted (of the most common length). */
  copies: number;
  /** Bits the copies do not all agree on. */
  contested: number;
  /** Bits the copies split evenly on (tried both ways). */
  erasures: number;
  /** Most copies dissenting from the majority at one bit. */
  maxDissent: number;
  /** Candidates whose check was tried. */
  candidates: number;
  /** Candidates that verified. */
  verified: number;
  /** The burst ECC corrected after the vote (bit from the start of the CRC input). */
  ecc?: { startBit: number; bits: number };
  /**
   * Which rule bounds a wrong sector (see the header): "check" (W ≥ 32: the
   * check alone, bound = candidates · 2^-W ≤ 1e-6, plus ECC's estimate after a
   * vote), "copies" (W < 32: at most one dissent per bit; bound = 2^-W times the
   * chance that all but one copy were damaged alike at one bit).
   */
  rule: "check" | "copies";
  /** candidates · 2^-W (see `rule`), plus the ECC miscorrection estimate when ECC corrected the vote. */
  bound: number;
  /** Why the vote gave nothing (undefined when it did). */
  refused?: string;
}

export interface VoteResult {
  /** The voted record (CRC input then check), verifying; undefined when refused or nothing verified. */
  record?: Uint8Array;
  evidence: VoteEvidence;
}

/** The most common length among the copies (the longest on a tie) and the copies of it. */
function sameLength(copies: readonly VoteCopy[]): VoteCopy[] {
  const n = new Map<number, number>();
  for (const c of copies) n.set(c.crcInput.length, (n.get(c.crcInput.length) ?? 0) + 1);
  let best = -1;
  let bestN = 0;
  for (const [len, k] of n) if (k > bestN || (k === bestN && len > best)) [best, bestN] = [len, k];
  return copies.filter((c) => c.crcInput.length === best);
}

/** The register over `data` from the check's init: zero when a record (message then check) verifies. */
export class Syndrome {
  private readonly hi = new Uint32Array(256);
  private readonly lo = new Uint32Array(256);
  private readonly state = new Uint32Array(2);
  constructor(readonly check: CheckParams) {
    const mask = (1n << BigInt(check.width)) - 1n;
    const p = check.poly & mask;
    crcBuildTable(this.hi, this.lo, check.width, Number(p >> 32n), Number(p & 0xffffffffn));
  }
  /** The register after `data` from `init` (default the check's), as a bigint. */
  of(data: Uint8Array, init: bigint = this.check.init): bigint {
    const i = init & ((1n << BigInt(this.check.width)) - 1n);
    this.state[0] = Number(i >> 32n);
    this.state[1] = Number(i & 0xffffffffn);
    crcUpdate(this.hi, this.lo, this.check.width, this.state, data, 0, data.length);
    return (BigInt(this.state[0]) << 32n) | BigInt(this.state[1]);
  }
}

/**
 * Majority per bit over equal-length byte strings: the voted bytes, the
 * erasures (bit positions split evenly; voted as 0), the contested bits and
 * the largest dissent at one bit.
 *
 * @example
 * import { bitVote } from "diskflux";
 * const v = bitVote([Uint8Array.of(0x0f), Uint8Array.of(0x0e), Uint8Array.of(0x8f)]);
 * console.log(v.bytes, v.contested, v.maxDissent); // Uint8Array [ 15 ] 2 1
 * console.log(bitVote([Uint8Array.of(0xf0), Uint8Array.of(0xf1)]).erasures); // [ 7 ]: bit 7 split 1–1
 */
export function bitVote(copies: readonly Uint8Array[]): { bytes: Uint8Array; erasures: number[]; contested: number; maxDissent: number } {
  const len = copies[0]?.length ?? 0;
  const bytes = new Uint8Array(len);
  const erasures: number[] = [];
  let contested = 0;
  let maxDissent = 0;
  const n = copies.length;
  for (let i = 0; i < len; i++) {
    let any = 0;
    let all = 0xff;
    for (const c of copies) {
      any |= c[i];
      all &= c[i];
    }
    if (any === all) {
      bytes[i] = all;
      continue;
    }
    let v = all;
    for (let b = 7; b >= 0; b--) {
      const m = 1 << b;
      if (!((any ^ all) & m)) continue;
      let ones = 0;
      for (const c of copies) if (c[i] & m) ones++;
      contested++;
      const zeros = n - ones;
      if (ones > zeros) v |= m;
      if (ones === zeros) erasures.push(i * 8 + (7 - b));
      maxDissent = Math.max(maxDissent, Math.min(ones, zeros));
    }
    bytes[i] = v;
  }
  return { bytes, erasures, contested, maxDissent };
}

const hexOf = (v: bigint, width: number) => v.toString(16).toUpperCase().padStart(width / 4, "0");

/**
 * Votes over bad copies of one data record and checks the result (rules and
 * bound in the module header). The copies must not verify on their own (the
 * caller takes a verifying copy instead).
 *
 * @example
 * import { decode, readCaptureFile, voteRecord, type DataRecord } from "diskflux";
 * const options = "data_rate=5000000:format=MFM:header_format=3:data_crc_poly=0x140a0445";
 * const reads = await Promise.all(["a.sr", "b.sr", "c.sr"].map(async (f) => decode(await readCaptureFile(f), options, { keepCrcInputs: true })));
 * const bad = reads.map((r) => r.records.find((x): x is DataRecord => x.kind === "data" && x.crc?.ok === false)).filter((x) => x?.crcInput !== undefined);
 * const c = reads[0].options.dataCrc;
 * const r = voteRecord(bad.map((d) => ({ crcInput: d!.crcInput!, computed: d!.crc!.computed })), { width: c.bits, poly: c.poly, init: c.init });
 * const payload = r.record?.subarray(r.record.length - c.bits / 8 - 512, r.record.length - c.bits / 8); // undefined: r.evidence.refused says why
 */
export function voteRecord(copies: readonly VoteCopy[], check: CheckParams, opts: VoteOptions = {}): VoteResult {
  const W = check.width;
  const group = sameLength(copies);
  const narrow = W < 32;
  const evidence: VoteEvidence = { copies: group.length, contested: 0, erasures: 0, maxDissent: 0, candidates: 0, verified: 0, rule: narrow ? "copies" : "check", bound: 0 };
  const refuse = (why: string): VoteResult => ({ evidence: { ...evidence, refused: why } });
  if (group.length < (narrow ? 3 : 2)) return refuse(`${group.length} cop${group.length === 1 ? "y" : "ies"} of one length; a ${W}-bit check needs ${narrow ? 3 : 2}`);
  if (group[0].crcInput.length <= W / 8) return refuse("the records hold no message");
  const syn = new Syndrome(check);
  // the CRC model must be the decoder's (spec §5.4 quirks): recompute each copy's check
  for (const c of group) {
    if (c.computed === undefined) return refuse("no computed check to compare the CRC model with");
    const msg = c.crcInput.subarray(0, c.crcInput.length - W / 8);
    if (hexOf(syn.of(msg), W) !== c.computed.toUpperCase().padStart(W / 4, "0")) return refuse("the decoder's check is not the plain CRC of its input (a preset quirk)");
  }
  const v = bitVote(group.map((c) => c.crcInput));
  evidence.contested = v.contested;
  evidence.erasures = v.erasures.length;
  evidence.maxDissent = v.maxDissent;
  if (narrow) {
    if (v.erasures.length > 0) return refuse(`${v.erasures.length} bits split evenly; a ${W}-bit check takes no erasure`);
    if (v.maxDissent > 1) return refuse(`${v.maxDissent} copies dissent at one bit; a ${W}-bit check allows one`);
  } else if (v.erasures.length > Math.min(W - 20, MAX_ERASURES)) {
    return refuse(`${v.erasures.length} bits split evenly; at most ${Math.min(W - 20, MAX_ERASURES)} are tried (2^e · 2^-${W} below ${VOTE_BOUND}, at most 2^${MAX_ERASURES} candidates)`);
  }
  // candidates by Gray code over the erasures' syndromes (the check is affine)
  const zero = 0n;
  const base = syn.of(v.bytes);
  const unit = v.erasures.map((bit) => {
    const e = new Uint8Array(v.bytes.length);
    e[bit >> 3] = 0x80 >> (bit & 7);
    return syn.of(e, zero);
  });
  const T = 2 ** unit.length;
  evidence.candidates = T;
  evidence.bound = T * 2 ** -W;
  let s = base;
  let mask = 0;
  let found = -1;
  for (let k = 0; k < T; k++) {
    if (k > 0) {
      const flip = 31 - Math.clz32(k & -k);
      s ^= unit[flip];
      mask ^= 1 << flip;
    }
    if (s === 0n) {
      evidence.verified++;
      if (found < 0) found = mask;
    }
  }
  if (evidence.verified > 1) return refuse(`${evidence.verified} candidates verify: ambiguous`);
  if (evidence.verified === 1) {
    const rec = v.bytes.slice();
    v.erasures.forEach((bit, j) => {
      if (found & (1 << j)) rec[bit >> 3] |= 0x80 >> (bit & 7);
    });
    return { record: rec, evidence };
  }
  // ECC over the voted record: W ≥ 32, no erasure, a span for the code
  const span = opts.span ?? 0;
  if (!narrow && v.erasures.length === 0 && span > 0 && opts.ecc && W % 8 === 0 && W <= 56 && (check.poly & 1n) === 1n) {
    const rec = v.bytes.slice();
    let r;
    try {
      r = opts.ecc.correct(rec, { width: W, poly: check.poly, init: check.init, maxBurst: span });
    } catch {
      return refuse("the voted record does not verify (too long for ECC)");
    }
    if (r.status === 1 && syn.of(rec) === 0n) {
      evidence.verified = 1;
      evidence.ecc = { startBit: r.startBit, bits: r.length };
      evidence.bound += (rec.length * 8 * 2 ** (span - 1)) / 2 ** W;
      return { record: rec, evidence: { ...evidence } };
    }
  }
  return refuse("the voted record does not verify");
}
