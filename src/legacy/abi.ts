// Constants of the legacy decoder's hot loop, shared by the TypeScript core
// (core.ts) and its Wasm twin (assembly/legacy.ts). Plain numbers only, so the
// file compiles under both tsc and asc.
//
// Wasm memory of the twin (static regions, see assembly/legacy.ts):
//
//   edges   f64 [LEGACY_EDGE_CAP]    input: leading-edge sample numbers
//   config  f64 [LC_LEN]             LC_* below
//   status  f64 [LS_LEN]             LS_* below, written by legacyRun
//   fifo    start/end f64, count i32, role u8, FIFO_SLOTS each

/** run() results. */
export const CORE_DONE = 0;
export const CORE_BYTE = 1;

/** FIFO ring slots (a power of two; at most SYNC_FILL windows are ever queued). */
export const FIFO_SLOTS = 64;
/** Out of sync, more queued windows than this lets the oldest go. */
export const UNSYNCED_KEEP = 32;
/** A sync needs exactly this many queued windows (d⁻, the 00 byte, the mark). */
export const SYNC_FILL = 33;
/** Windows a byte needs: the previous data window and its 16. */
export const BYTE_WINDOWS = 17;

/** Edges per load of the Wasm twin. */
export const LEGACY_EDGE_CAP = 1 << 16;

// config (f64 slots)
export const LC_BIT_CELL = 0;
export const LC_TOLERANCE = 1;
export const LC_FIRST_INTERVAL = 2;
export const LC_FM = 3; // 1 = FM, 0 = MFM
export const LC_NUM_CENTRES = 4;
export const LC_CENTRES = 5; // 4 slots: k·BC
export const LC_WINDOWS = 9; // 4 slots: windows per interval
export const LC_NUM_PATTERNS = 13;
export const LC_PATTERNS = 14; // 8 slots
export const LC_LEN = 22;

export const MAX_CENTRES = 4;
export const MAX_PATTERNS = 8;

// status (f64 slots)
export const LS_BYTE_VALUE = 0;
export const LS_BYTE_CLOCK = 1;
export const LS_BYTE_FIRST = 2;
export const LS_BYTE_START = 3;
export const LS_BYTE_END = 4;
export const LS_INTERVALS = 5;
export const LS_OOTI = 6;
export const LS_EIPW = 7;
export const LS_SYNCED = 8;
// the loop's inner state, for parity checks: current window, width, pattern register, queued windows
export const LS_WIN_START = 9;
export const LS_WIN_END = 10;
export const LS_WIDTH = 11;
export const LS_PATTERN = 12;
export const LS_QUEUED = 13;
export const LS_LEN = 14;
