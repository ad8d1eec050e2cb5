// The .tr checksum kernel's ABI: one source of truth for assembly/tr-checksum.ts,
// its TypeScript twin src/kernels/tr-checksum.ts and the loader
// src/kernels/tr-checksum-load.ts. Plain numeric constants only (tsc and asc).
//
//   bytes  u8 [TRCK_BYTES_CAP]   the piece of a record to fold into the checksum

/** Bytes a trChecksumUpdate call reads at most (a track record is folded in pieces of this size). */
export const TRCK_BYTES_CAP = 65536;
/** The .tr checksum's polynomial (CRC-32, MSB first; spec §8). */
export const TRCK_POLY = 0x140a0445;
