// ZIP's CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320) as a table loop:
// the pure-TypeScript path for the zip reader (where zlib's crc32 is missing)
// and the fused inflate→edges twin (src/kernels/inflate-edges.ts).
//
//   state = 0xffffffff; for each byte b: state = T[(state ^ b) & 0xff] ^ (state >>> 8)
//   CRC = state ^ 0xffffffff

let table: Int32Array | undefined;

/** The 256-entry table of the reflected polynomial 0xEDB88320, made once. */
export function crc32Table(): Int32Array {
  if (!table) {
    table = new Int32Array(256);
    for (let i = 0; i < 256; i++) {
      let c = i;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[i] = c;
    }
  }
  return table;
}

/** Continues a CRC-32 (pre-inverted state: start with 0xffffffff) over more data. */
export function crc32Update(state: number, data: Uint8Array): number {
  const t = crc32Table();
  let c = state | 0;
  for (let i = 0; i < data.length; i++) c = t[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return c >>> 0;
}

/** The CRC-32 of `data`. */
export function crc32Js(data: Uint8Array): number {
  return (crc32Update(0xffffffff, data) ^ 0xffffffff) >>> 0;
}
