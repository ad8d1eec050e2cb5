// The fused inflate→edges kernel's ABI: one source of truth for
// assembly/inflate-edges.ts, its TypeScript twin src/kernels/inflate-edges.ts
// and the loader src/kernels/inflate-edges-load.ts. Plain numeric constants
// only, so it compiles under both tsc and asc.
//
//   in     u8  [IE_IN_CAP + 8]     compressed input; the caller writes at ieInputSpace() and calls ieInput()
//   out    u8  [IE_OUT_CAP + 16]   the sliding window: IE_WSIZE bytes of history, then up to IE_PIECE new bytes
//   edges  f64 [IE_EDGE_CAP]       leading edges (global sample numbers) found since the last ieRun returned
//   index  u8  [IE_EDGE_CAP]       the index level at each edge (0, 1 or INDEX_ABSENT)
//
// The window never holds more than IE_WSIZE + IE_PIECE bytes, so one call
// scans at most that many new samples and finds at most half of them (+1) as
// leading edges (an edge needs an inactive sample before an active one).

/** Compressed bytes the input region holds (a dynamic block header, ≤ ~300 bytes, always fits). */
export const IE_IN_CAP = 1 << 16;
/** Deflate's largest distance (RFC 1951 §3.2.5: distances 1..32768). */
export const IE_WSIZE = 32768;
/** New bytes between two scans/slides of the window (a cache-sized piece). */
export const IE_PIECE = 1 << 18;
/** Window region. */
export const IE_OUT_CAP = IE_WSIZE + IE_PIECE;
/** Largest match (RFC 1951 §3.2.5: lengths 3..258). */
export const IE_MAX_MATCH = 258;
/** Edge records per call. */
export const IE_EDGE_CAP = (IE_OUT_CAP >> 1) + 16;

// ieConfigure's withCrc: what becomes of the samples' CRC-32 (ZIP's check of a member).
/** No CRC. */
export const IE_CRC_NONE = 0;
/** The kernel's own CRC-32 (slice-by-8), read with ieCrc. */
export const IE_CRC_KERNEL = 1;
/**
 * Each run of samples scanned is handed to the host once, in stream order
 * (the import env.ieHostBytes(ptr, len); the twin's setHostBytes hook): the
 * host computes the CRC with what it has (Node's zlib.crc32 is ~3.6× the
 * kernel's slice-by-8 on a 2-core EPYC: 0.58 against 2.1 ms for 3.3 MB).
 */
export const IE_CRC_HOST = 2;

// ieRun results: >= 0 is progress, < 0 an error (sticky until ieBegin).
/** The final block has ended and every sample was scanned. */
export const IE_DONE = 0;
/** All given input is consumed (ieInput more, or end it with last = 1). */
export const IE_NEED_INPUT = 1;
/** A piece of the window was scanned: drain the edges and call ieRun again. */
export const IE_PIECE_DONE = 2;

/** The input ended (last = 1) before the final block did. */
export const IE_ERR_TRUNCATED = -1;
/** Block type 3 (reserved, RFC 1951 §3.2.3). */
export const IE_ERR_BLOCK_TYPE = -2;
/** A stored block whose NLEN is not the one's complement of LEN (§3.2.4). */
export const IE_ERR_STORED = -3;
/** Bad dynamic header: too many codes, bad repeat, over-subscribed or incomplete code (§3.2.7). */
export const IE_ERR_CODES = -4;
/** A bit pattern that is no code, or literal/length 286-287, or distance 30-31 (§3.2.6). */
export const IE_ERR_SYMBOL = -5;
/** A distance back past the start of the stream (§3.2.5). */
export const IE_ERR_DISTANCE = -6;
/** ieInput with more bytes than the region has room for, or input after the last. */
export const IE_ERR_INPUT = -7;
