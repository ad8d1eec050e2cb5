// Constants of the ECC burst-correction kernel, shared by the TypeScript twin
// (src/kernels/ecc.ts) and the Wasm kernel (assembly/ecc.ts). Plain numbers
// only, so the file compiles under both tsc and asc.
//
// Wasm memory of the kernel (static regions of assembly/ecc.ts):
//
//   record  u8  [ECC_RECORD_CAP]   in/out: message bytes then W/8 check bytes
//   out     u32 [EO_LEN]           EO_* below, written by eccCorrect
//   table   u64 [256]              the CRC table of the last (width, poly)

/** Largest record: a 16 KiB message and a 56-bit check (16 KiB + 7 bytes). */
export const ECC_MAX_RECORD = 16384 + 7;
/** Bytes of the record region (ECC_MAX_RECORD rounded up to 16). */
export const ECC_RECORD_CAP = 16400;

/** Widths the kernel takes (those of the CRC engine, spec §5.4). */
export const ECC_MIN_WIDTH = 8;
export const ECC_MAX_WIDTH = 56;

// eccCorrect() results (also in out[EO_STATUS])
/** The record's check verifies: nothing to correct. */
export const ECC_CLEAN = 0;
/** One burst of length ≤ maxBurst explained the syndrome; the record now verifies. */
export const ECC_CORRECTED = 1;
/** No single burst of length ≤ maxBurst explains the syndrome (or more than one does): the record is unchanged. */
export const ECC_UNCORRECTABLE = 2;
/** Bad arguments (the loader checks them first, so this is a guard only). */
export const ECC_BAD_ARGS = -1;

// Why a record is uncorrectable (out[EO_REASON])
export const ECC_REASON_NONE = 0;
/** No trap anywhere in the record. */
export const ECC_REASON_NO_TRAP = 1;
/** Traps were found but every one would run past the end of the record. */
export const ECC_REASON_PAST_END = 2;
/** Two or more bursts inside the record explain the syndrome (span above the code's ceiling). */
export const ECC_REASON_AMBIGUOUS = 3;
/** The check did not verify after the correction (never expected: a guard). */
export const ECC_REASON_VERIFY = 4;
/** maxBurst is 0: correction disabled. */
export const ECC_REASON_DISABLED = 5;

// out region (u32 slots)
export const EO_STATUS = 0;
/** First bit of the burst, counted from the first (most significant) bit of the record's first byte. */
export const EO_START = 1;
/** Bits from the burst's first to its last error bit (both are errors). */
export const EO_LENGTH = 2;
/** The error pattern, EO_LENGTH bits, its MSB at EO_START: high and low 32 bits. */
export const EO_PAT_HI = 3;
export const EO_PAT_LO = 4;
/** The syndrome S (register run over the whole record from init; 0 = clean): high and low 32 bits. */
export const EO_SYN_HI = 5;
export const EO_SYN_LO = 6;
/** Traps inside the record (burst wholly inside it) found by the scan: 1 for a correction. */
export const EO_CANDIDATES = 7;
export const EO_REASON = 8;
export const EO_LEN = 9;
