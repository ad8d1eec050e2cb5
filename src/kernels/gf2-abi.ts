// The GF(2) polynomial kernel's ABI: one source of truth for assembly/gf2.ts,
// its TypeScript twin src/kernels/gf2.ts and the loader src/kernels/gf2-load.ts.
// Plain numeric constants only, so it compiles under both tsc and asc.
//
//   words  u32 [GF2_SLOTS * GF2_SLOT_WORDS]  polynomial slots; slot s = words[s*GF2_SLOT_WORDS, (s+1)*GF2_SLOT_WORDS)
//   bytes  u8  [GF2_BYTES_CAP]               input bytes (gf2Load, crcReverse, crcCountMatches records)
//
// GF2_SLOT_WORDS is even and every slot starts 16-byte aligned, so the Wasm
// kernel may read a slot as u64 words (little endian: u64 k = u32 words 2k, 2k+1).

/** Polynomial slots. */
export const GF2_SLOTS = 8;
/** u32 words per slot: 69 632 coefficient bits, room for an 8 KiB record plus check bytes and some spare. */
export const GF2_SLOT_WORDS = 2176;
/** Coefficient bits per slot (degrees 0 .. GF2_SLOT_BITS-1). */
export const GF2_SLOT_BITS = GF2_SLOT_WORDS * 32;
/** Input byte region. */
export const GF2_BYTES_CAP = 65536;
/** Largest number of records crcCountMatches takes (two table words per record in slot 0). */
export const GF2_MAX_RECORDS = GF2_SLOT_WORDS / 2;
/** What a kernel returns instead of a degree when it refuses (division by zero, a product that does not fit). */
export const GF2_REFUSED = -2;
