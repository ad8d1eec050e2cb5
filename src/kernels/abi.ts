// The kernel ABI: one source of truth for both backends.
//
// The AssemblyScript kernels (assembly/*.ts) import this file, and so do their
// TypeScript twins (src/kernels/*.ts) and the wrappers. It holds plain numeric
// constants only, so it compiles under both tsc and asc.
//
// Memory is a set of fixed regions. In Wasm they are static data segments whose
// addresses the module exports; the TS twin allocates typed arrays of the same
// sizes. The wrapper fills inputs, calls a kernel, and reads outputs the same way
// on both backends.
//
//   samples  u8  [SAMPLE_CAP]            logic samples, 1 byte per sample (unitsize 1)
//   edges    f64 [EDGE_CAP]              leading-edge sample numbers
//   index    u8  [EDGE_CAP]              index level at each edge: 0, 1, or INDEX_ABSENT
//   cells    i32 [EDGE_CAP]              per edge: cell count n | CELLS_RING_WRITTEN
//   events   f64 [EVENT_CAP*EVENT_STRIDE] event log (see EV_* below)
//   out      u8  [OUT_CAP]               bytes referenced by events (binary outputs)
//   cfgF64   f64 [CFG_F64_LEN]           float configuration (CF_*)
//   cfgI32   i32 [CFG_I32_LEN]           integer configuration (CI_*)
//   marks    i32 [MAX_MARKS*MARK_STRIDE] sync marks: [len, base, pulse0, pulse1, ...]
//   markClass u8 [256]                   per byte value: MC_* flags of the mark lists
//   status   i32 [STATUS_LEN]            counters written by the kernels (ST_*)

export const SAMPLE_CAP = 1 << 18;
/** A leading edge needs at least two samples, so a full samples region yields at most this many. */
export const EDGE_CAP = (1 << 17) + 16;
export const EVENT_STRIDE = 8;
export const EVENT_CAP = 1 << 14;
export const OUT_CAP = 1 << 18;
export const CFG_F64_LEN = 16;
export const CFG_I32_LEN = 64;
export const MAX_MARKS = 8;
export const MARK_STRIDE = 40;
export const MAX_MARK_PULSES = 38;
export const STATUS_LEN = 8;

/** trackRun stops early (returning the edges consumed) when less room than this is left. */
export const EVENT_HEADROOM = 32;
export const OUT_HEADROOM = 65536;

/** Largest data record the framer stores (the original's buffer size). */
export const MAX_SECTOR = 16384;
/** A1 bytes remembered per record for the CRC input (the original's list is unbounded). */
export const MAX_A1 = 64;

export const INDEX_ABSENT = 255;
export const CELLS_RING_WRITTEN = 1 << 30;
export const CELLS_MASK = CELLS_RING_WRITTEN - 1;

// status
export const ST_EVENTS = 0; // events written by the last trackRun
export const ST_OUT = 1; // out bytes written by the last trackRun
export const ST_OOTI = 2; // edges of the last trackRun whose cell count is outside [CI_CMIN, CI_CMAX]
export const ST_EDGES = 3; // edges extracted by the last decodeSamples (it decodes the first ones it returns)
export const ST_TR_READ = 4; // packed .tr bytes the last decodeTrDeltas consumed (the rest: its next call)

// cfgF64
export const CF_H0 = 0; // nominal cell width in samples
export const CF_TSYNC = 1; // lock tolerance in samples (H0 * fraction)
export const CF_KP = 2;
export const CF_KI = 3;

// cfgI32
export const CI_SYNC_PULSE = 0; // S, preamble pulse width in cells
export const CI_NLOCK = 1; // round(32 / S)
// slot 2 is unused (the allowed cell counts are the range CI_CMIN..CI_CMAX)
export const CI_CMIN = 3;
export const CI_CMAX = 4;
export const CI_CODEMAP = 5; // CODEMAP_*
export const CI_FORMAT = 6; // FMT_*
export const CI_LIMITS = 7; // LIMITS_*
export const CI_HEADER_FORMAT = 8; // HF_*
export const CI_HEADER_BYTES = 9;
export const CI_SECTOR_SIZE = 10; // 0 = auto
export const CI_HCRC_BITS = 11;
export const CI_DCRC_BITS = 12;
export const CI_HPOLY_HI = 13; // high 32 bits of a 56-bit value
export const CI_HPOLY_LO = 14; // low 32 bits
export const CI_HINIT_HI = 15;
export const CI_HINIT_LO = 16;
export const CI_DPOLY_HI = 17;
export const CI_DPOLY_LO = 18;
export const CI_DINIT_HI = 19;
export const CI_DINIT_LO = 20;
export const CI_DATA_USES_HEADER_TABLE = 21; // spec §5.4 quirk
export const CI_NUM_MARKS = 22;
export const CI_LOG = 23; // LOG_* flags

export const LOG_BYTES = 1; // emit EV_BYTE for every byte the framer sees

export const CODEMAP_FMMFM = 0;
export const CODEMAP_IBM = 1;
export const CODEMAP_WD = 2;

/** The format tag changes clock checking (FM/MFM only), the OMTI rewrite and the DDAM rule. */
export const FMT_FM = 0;
export const FMT_MFM = 1;
export const FMT_OTHER = 2;
export const FMT_OMTI = 3;

export const LIMITS_FM = 0;
export const LIMITS_MFM = 1;
export const LIMITS_RLL = 2;
export const LIMITS_GCR = 3;

export const HF_3 = 0;
export const HF_4 = 1;
export const HF_SEAGATE = 2;
export const HF_OMTI = 3;
export const HF_ADAPTEC = 4;
export const HF_ADAPTEC4070 = 5;
export const HF_DTC = 6;

// markClass flags (spec §2.3 mark lists)
export const MC_IDDATA = 1;
export const MC_ID = 2;
export const MC_DATA = 4;
export const MC_ID_PREFIX = 8;
export const MC_NOP = 16;
export const MC_NOP_A1 = 32;

// Events: EVENT_STRIDE f64 slots each. Slot 0 = kind, slot 1 = sample number of
// the edge that produced it (events of one edge keep their order).
export const EV_BYTE = 1; //    [1, t, byteStart, byteEnd, value, flags, k, SR]  flags: BYTE_SPECIAL | clockErrMask << 8
export const EV_SYNC = 2; //    [2, t, syncStart, byteStart, syncBytes]
export const EV_MARK = 3; //    [3, t, fieldStart, byteEnd, MARK_*, markByte, byteStart]  (byteStart/End: the mark byte's)
export const EV_IDREC = 4; //   [4, t, fieldStart, byteEnd, outOffset, headerBytes, sectorLen]
export const EV_DATAREC = 5; // [5, t, fieldStart, byteEnd]
export const EV_CRC = 6; //     [6, t, fieldStart, byteEnd, CRC_* flags | widthBits << CRC_BITS_SHIFT, computedHi, computedLo, byteStart]  (the last CRC byte's)
export const EV_UNKNOWN = 7; // [7, t, byteStart, byteEnd, value]
export const EV_CLOCKERR = 8; //[8, t, byteStart, byteEnd, clockErrMask, k]  (non-special bytes, FM/MFM; k as EV_BYTE's)
export const EV_BINARY = 9; //  [9, t, BIN_*, outOffset, length]
/**
 * diskflux-only (the original never says why its PLL reset, spec §3.7): a RESET
 * while a mark or record is being decoded, that is in DECODING, or in SCANNING
 * once a pulse of a sync mark has matched; never while locking.
 *   [10, t, causeStart, causeEnd, RR_*, cells, mode << 4 | framerState, fieldBytes]
 * The cause is the offending pulse [p0, t] (RR_SHORT, RR_LONG, RR_NO_MARK), the
 * long pulse of the edge before (RR_LONG_DEFERRED: the reset happens at the next
 * edge, slot 1), or the byte the framer refused (RR_UNKNOWN, RR_RECORD_END).
 * cells is that pulse's cell count; mode is 1 (SCANNING) or 2 (DECODING), the
 * framer state is RS_*, fieldBytes the bytes of the field read so far (its cnt).
 */
export const EV_RESET = 10;

// EV_RESET reasons
export const RR_SHORT = 0; //        n < Cmin
export const RR_LONG = 1; //         n > Cmax (reset at once)
export const RR_LONG_DEFERRED = 2; // n > Cmax finishing a byte: reset at the next edge
export const RR_NO_MARK = 3; //      SCANNING: the pulse extends no sync-mark prefix
export const RR_UNKNOWN = 4; //      framer: unknown byte, broken C2 C2 C2 FC sequence
export const RR_RECORD_END = 5; //   framer: the first gap byte after a CRC or index mark

// EV_RESET modes (the track kernel's PLL modes, spec §3.2)
export const RM_SCANNING = 1;
export const RM_DECODING = 2;

// EV_RESET framer states (the track kernel's, spec §5.1)
export const RS_SYNC_MARK = 0;
export const RS_IDDATA_AM = 1;
export const RS_ID_REC = 2;
export const RS_ID_CRC = 3;
export const RS_DATA_REC = 4;
export const RS_DATA_CRC = 5;
export const RS_C2_2 = 6;
export const RS_C2_3 = 7;
export const RS_IAM_WAIT = 8;
export const RS_GAP1 = 9;

export const BYTE_SPECIAL = 1;

export const MARK_IAM = 0;
export const MARK_IDAM = 1;
export const MARK_DAM = 2;
export const MARK_DDAM = 3;

export const CRC_DATA = 1; // else the ID CRC
export const CRC_OK = 2;
/** EV_CRC's flags word holds the check's width in bits from this bit up. */
export const CRC_BITS_SHIFT = 8;

export const BIN_ID = 0;
export const BIN_IDCRC = 1;
export const BIN_DATA = 2;
export const BIN_DATACRC = 3;
export const BIN_IDDATA = 4;
