// Hex formatting as the original prints it.

/** Python '%02X' of a value given as (hi, lo) 32-bit halves: upper case, at least two digits, no width padding. */
export function crcHex(hi: number, lo: number): string {
  if (hi === 0) return lo.toString(16).toUpperCase().padStart(2, "0");
  return hi.toString(16).toUpperCase() + lo.toString(16).toUpperCase().padStart(8, "0");
}

/** Two upper-case hex digits of a byte. */
export function byteHex(v: number): string {
  return v.toString(16).toUpperCase().padStart(2, "0");
}
