// Hex formatting as the original prints it.

/** Python '%02X' of a value given as (hi, lo) 32-bit halves: upper case, at least two digits, no width padding. */
export function crcHex(hi: number, lo: number): string {
  if (hi === 0) return lo.toString(16).toUpperCase().padStart(2, "0");
  return hi.toString(16).toUpperCase() + lo.toString(16).toUpperCase().padStart(8, "0");
}

/** "00".."FF", made once (a record's received CRC is spelled byte by byte for every check). */
const BYTE_HEX: readonly string[] = Array.from({ length: 256 }, (_, v) => v.toString(16).toUpperCase().padStart(2, "0"));

/** Two upper-case hex digits of a byte (0..255). */
export function byteHex(v: number): string {
  return BYTE_HEX[v & 0xff];
}
