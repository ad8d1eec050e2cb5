// The 31-bit pattern register of the legacy decoder (§3.9): one bit per window
// (1 = it took an edge), newest in bit 0. It finds the sync (a 00 byte then a
// mark, clock and data cells: 15 + 16 cells) and, for dsply_pfx, every A1/C2
// cell pattern in its low 16 bits.
import { PREFIX_A1, PREFIX_C2 } from "./params.js";

export const PATTERN_MASK = 0x7fffffff;

export const PREFIX_NONE = 0;
export const PREFIX_IS_A1 = 1;
export const PREFIX_IS_C2 = 2;

export function shiftPattern(pattern: number, bit: number): number {
  return ((pattern << 1) | bit) & PATTERN_MASK;
}

export function isSyncPattern(patterns: Uint32Array, pattern: number): boolean {
  for (let i = 0; i < patterns.length; i++) if (patterns[i] === pattern) return true;
  return false;
}

/** PREFIX_IS_A1 / PREFIX_IS_C2 when the newest 16 cells are the A1 / C2 mark pattern. */
export function prefixOf(pattern: number): number {
  const low = pattern & 0xffff;
  return low === PREFIX_A1 ? PREFIX_IS_A1 : low === PREFIX_C2 ? PREFIX_IS_C2 : PREFIX_NONE;
}
