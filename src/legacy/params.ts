// Run constants of the legacy decoder (spec §3.9), derived once from the options.
//
// The legacy decoder knows floppy FM and MFM only: `format=FM` is FM, every
// other format is treated as MFM. A "window" is half a bit cell (one code bit);
// an interval of k bit cells is worth 2k windows.
//
//   BC = samplerate / data_rate            bit cell in samples
//   FM  intervals 0.5·BC, 1.0·BC           → 1, 2 windows
//   MFM intervals 1.0·BC, 1.5·BC, 2.0·BC   → 2, 3, 4 windows
//   accepted when |Δ − k·BC| ≤ 0.2·BC (both ends inclusive), else OoTI
import type { ResolvedOptions } from "../options.js";

/** Sync patterns: the 31-bit window register after a 00 byte and the mark (clock and data cells). */
export const FM_SYNC_PATTERNS: readonly number[] = [
  0x2aaaf57e, // FE, clock C7 (ID address mark)
  0x2aaaf56f, // FB, clock C7 (data address mark)
  0x2aaaf56a, // F8, clock C7 (deleted data)
  0x2aaaf56b, // F9
  0x2aaaf56e, // FA
  0x2aaaf77a, // FC, clock D7 (index address mark)
];
export const MFM_SYNC_PATTERNS: readonly number[] = [
  0x2aaa4489, // A1 with the missing clock
  0x2aaa5224, // C2 with the missing clock
];

/** The 16-cell A1 and C2 prefix patterns (dsply_pfx). */
export const PREFIX_A1 = 0x4489;
export const PREFIX_C2 = 0x5224;

export interface LegacyParams {
  readonly sampleRate: number;
  /** FM (true) or MFM (false, also for every non-FM format). */
  readonly fm: boolean;
  /** Bit cell BC = samplerate / data_rate, in samples. */
  readonly bitCell: number;
  /** Accepted deviation from k·BC: 0.2·BC. */
  readonly tolerance: number;
  /** k·BC of each accepted interval, and its worth in windows. */
  readonly centres: Float64Array;
  readonly windows: Int32Array;
  /** Megasamples per second, for the ns labels: int((Δ·1000 + MSps/2) / MSps). */
  readonly msps: number;
  /** The first edge has no predecessor; its interval is int(BC). */
  readonly firstInterval: number;
  /** Annotate every A1/C2 cell pattern (dsply_pfx=yes, MFM only). */
  readonly prefixes: boolean;
  readonly syncPatterns: Uint32Array;
}

export function legacyParams(o: ResolvedOptions, sampleRate: number): LegacyParams {
  const fm = o.format === "FM";
  const bitCell = sampleRate / o.dataRate;
  const ks = fm ? [0.5, 1.0] : [1.0, 1.5, 2.0];
  return {
    sampleRate,
    fm,
    bitCell,
    tolerance: 0.2 * bitCell,
    centres: Float64Array.from(ks, (k) => k * bitCell),
    windows: Int32Array.from(ks, (k) => 2 * k),
    msps: sampleRate / 1e6,
    firstInterval: Math.trunc(bitCell),
    prefixes: o.dsplyPfx && !fm,
    syncPatterns: Uint32Array.from(fm ? FM_SYNC_PATTERNS : MFM_SYNC_PATTERNS),
  };
}
