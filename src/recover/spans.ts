// ECC correction spans per code, as data (issue 11, part 1).
//
// Facts: ../shared/docs/recovery-facts.md §A.2 (spans per polynomial and the
// derived ceilings), §A.4 (miscorrection estimate, dgesswein's history of
// false corrections), §A.5 (the NatSemi AN-413 source for the WD code).
// Sources cited there: dgesswein/mfm `mfm/inc/mfm_decoder.h` (poly list and
// controller table with each controller's span), `mfm/mfm_read_util_doc.html`,
// dgesswein/mfm issue #35; NatSemi "Disk Interface Design Guide" AN-413 §7.6 via
// the classiccmp thread of §A.5; the WD42C22C datasheet via dgesswein's comment.
//
// span     the default correction span in bits: the controllers' documented
//          span, the smallest where sources disagree (conservative), never
//          above the ceiling — except 0xA00805, whose default is 0 (below).
// documented  the controllers' span from the sources (undefined: none).
// ceiling  the derived largest span at which every single burst in a 4168-bit
//          record (2 mark + 512 data + 7 check bytes) has a syndrome of its own
//          (§A.2 "max span with all single bursts distinct"; test/ecc.test.ts
//          reproduces the 32-bit ones). Above it two different bursts look alike.
//          It holds for records up to CEILING_BITS; longer records can have a
//          lower one (0xA00805 repeats after 42987 bits and 0x0104c981 after
//          65535, so past that even single-bit errors are ambiguous): the kernel
//          scans every position and refuses a syndrome two bursts explain.
//
// A code not in the table corrects nothing by default (span 0) and takes an
// override only with `unsafe`, as there is no derived ceiling for it.
import { DiskfluxError } from "../errors.js";

/** The record length (bits) the ceilings were derived for: 2 + 512 + 7 bytes. */
export const CEILING_BITS = 4168;

export interface EccSpanEntry {
  /** Check width in bits. */
  width: number;
  /** P, the polynomial without its x^W term. */
  poly: bigint;
  /** Default correction span in bits (0 = detect only). */
  span: number;
  /** The controllers' documented span (recovery-facts §A.2), when there is one. */
  documented?: number;
  /** Derived largest span with all single bursts distinct in a CEILING_BITS record. */
  ceiling: number;
  /** Where the span comes from. */
  source: string;
}

export const ECC_SPANS: readonly EccSpanEntry[] = [
  {
    width: 16, poly: 0x1021n, span: 0, documented: 0, ceiling: 4,
    // §A.2 row 0x1021: dgesswein's span 0 ("never corrects"); §A.4: headers are never corrected.
    source: "CRC-CCITT (floppies, most MFM headers): dgesswein/mfm uses span 0, headers are never corrected (recovery-facts §A.2, §A.4)",
  },
  {
    width: 32, poly: 0xa00805n, span: 0, documented: 2, ceiling: 11,
    // §A.2/§A.4: span 2 in dgesswein's analyze list and most controller entries (4 in
    // Motorola_VME10, iSBC 215, SM-1810); lowered 5 → 4 → 2 after false corrections on
    // real disks ("false correction at length 3 on another disk → 2"); issue #35 tried 13.
    // Derived here: g = (x^21 + 1)(x^11 + x^2 + 1), a Fire code (period lcm(21, 2047) =
    // 42987 bits). Its x^21 + 1 factor sees an error only through its bit positions
    // mod 21, so scattered errors look like short bursts far more often than the §A.4
    // estimate assumes: measured on 512-byte records (docs/ecc.md, test/ecc.test.ts),
    // span 2 miscorrects ≈ 0.7 % of records with 2 random bit errors and ≈ 1.4 % with 3
    // (estimate 1.9e-6), span 1 ≈ 1.3 % with 3. Hence no correction by default; a
    // caller may still ask for the documented 2 (maxBurst, within the ceiling).
    source: "SMC HDC9224 / RQDX3: dgesswein/mfm mfm_decoder.h span 2 (lowered after false corrections at 5 and 3; some models 4) (recovery-facts §A.2, §A.4); default 0 here: a Fire code, scattered errors miscorrected ≈ 1 % at span 1–2 (derived, docs/ecc.md)",
  },
  {
    width: 32, poly: 0x140a0445n, span: 5, documented: 5, ceiling: 12,
    // §A.2/§A.5: NatSemi AN-413 §7.6 "Glover 140A0443" (WD2010): maximum correctable
    // burst 5 bits; dgesswein uses 6. The smaller, the chip maker's figure, is the default.
    source: "WD1003/1006/1100 32-bit ECC: NatSemi AN-413 §7.6 (WD2010) max burst 5; dgesswein/mfm uses 6 (recovery-facts §A.2, §A.5)",
  },
  {
    width: 32, poly: 0x41044185n, span: 6, documented: 6, ceiling: 12,
    // §A.2: dgesswein's span 6 (Seagate ST11M/ST21M, Adaptec 4000, Dimension 68000).
    source: "Seagate ST11M/ST21M, Adaptec 4000: dgesswein/mfm mfm_decoder.h span 6 (recovery-facts §A.2)",
  },
  {
    width: 32, poly: 0x0104c981n, span: 6, documented: 6, ceiling: 11,
    // §A.2: dgesswein's span 6 (OMTI 5510/5200/20L, Vector4).
    source: "OMTI 5510/8240/5200, Vector4: dgesswein/mfm mfm_decoder.h span 6 (recovery-facts §A.2)",
  },
  {
    width: 48, poly: 0x181814503011n, span: 11, ceiling: 18,
    // §A.2: no documented span (dgesswein's tools read MFM only). 11 is a conservative
    // choice well under the ceiling 18; §A.4 gives its estimate, 1.5e-8 per 4168-bit record.
    source: "Adaptec / OMTI 8247 ECC48: no documented span; conservative default 11 (ceiling 18; §A.4 miscorrection ≈ 1.5e-8 per 512-byte sector) (recovery-facts §A.2, §A.4)",
  },
  {
    width: 56, poly: 0x140a0445000101n, span: 22, documented: 22, ceiling: 22,
    // §A.2: "From WD42C22C datasheet, not tested" (dgesswein comment) — 22, equal to the ceiling.
    source: "WD40C22/42C22 ECC56 (WD1003V-SR1, WD1006V-SR2): WD42C22C datasheet span 22 via dgesswein/mfm (recovery-facts §A.2)",
  },
];

function polyKey(width: number, poly: bigint | number): bigint {
  const p = typeof poly === "bigint" ? poly : BigInt(poly);
  return p & ((1n << BigInt(width)) - 1n);
}

/** The table's entry for a code, or undefined. poly is masked to the width. */
export function eccSpanEntry(width: number, poly: bigint | number): EccSpanEntry | undefined {
  const p = polyKey(width, poly);
  return ECC_SPANS.find((e) => e.width === width && e.poly === p);
}

/** The default span of a code: the table's, 0 for a code it does not list. */
export function defaultSpan(width: number, poly: bigint | number): number {
  return eccSpanEntry(width, poly)?.span ?? 0;
}

export interface SpanOptions {
  /** Override the span (0 = no correction). Above the code's derived ceiling only with `unsafe`. */
  maxBurst?: number;
  /** Allow maxBurst above the derived ceiling (or for a code without one): more miscorrections. */
  unsafe?: boolean;
}

/**
 * The span to use for a code: the default, or the override maxBurst. An
 * override above the derived ceiling — or any non-zero override for a code
 * the table lacks — is refused (E_ARGUMENT) unless `unsafe` is set; one
 * above the width is always refused.
 */
export function resolveSpan(width: number, poly: bigint | number, opts: SpanOptions = {}): number {
  const entry = eccSpanEntry(width, poly);
  const { maxBurst, unsafe = false } = opts;
  if (maxBurst === undefined) return entry?.span ?? 0;
  if (!Number.isInteger(maxBurst) || maxBurst < 0 || maxBurst > width) {
    throw new DiskfluxError("E_ARGUMENT", `max burst must be an integer 0..${width}, got ${String(maxBurst)}`);
  }
  const ceiling = entry?.ceiling ?? 0;
  if (maxBurst > ceiling && !unsafe) {
    throw new DiskfluxError("E_ARGUMENT", entry
      ? `max burst ${maxBurst} is above the derived ceiling ${ceiling} of the ${width}-bit code 0x${entry.poly.toString(16)} (two different bursts would share a syndrome); pass unsafe to force it`
      : `no derived ceiling for the ${width}-bit code 0x${polyKey(width, poly).toString(16)}; a max burst above 0 needs unsafe`);
  }
  return maxBurst;
}

/**
 * Estimated chance that damage beyond the code's power is accepted as a
 * single burst of at most `span` bits in an n-bit record (recovery-facts §A.4):
 * n · 2^(span-1) / 2^W. 0 for span 0.
 */
export function miscorrectionEstimate(width: number, span: number, bits: number = CEILING_BITS): number {
  return span <= 0 ? 0 : (bits * 2 ** (span - 1)) / 2 ** width;
}
