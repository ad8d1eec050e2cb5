// The record and result types of a decode, in a module of their own so that
// the orchestrator (decode.ts), the collector, streams, the legacy engine and
// the renderers all import them from here and never from each other.
import type { BackendName } from "./kernels/backend.js";
import type { BackendChoice } from "./kernels/load.js";
import type { ResolvedOptions } from "./options.js";
import type { DetectResult } from "./detect/detect.js";
import type { RecoverOptions, RecoveryEvidence, RecoverySummary, SectorStatus } from "./recover/recover.js";

export interface ChannelMap {
  /** Data channel (index or name); default 0. */
  data?: number | string;
  /** Index channel; default 1 when the capture has it. null = none. */
  index?: number | string | null;
  /** Suppress channel; default 2 when the capture has it. null = none. */
  suppress?: number | string | null;
}

export interface DecodeRequest {
  backend?: BackendChoice;
  channels?: ChannelMap;
  /** Keep the raw event log (needed for annotations); costs memory. */
  keepEvents?: boolean;
  /** Log every decoded byte with its windows (annotations); implies keepEvents. */
  logBytes?: boolean;
  /**
   * diskflux-only: attach to each record the bytes its check covers followed by the
   * stored check (one record of the idcrc/datacrc stream, spec §6.7) as `crcInput`.
   * Auto-detection solves CRC parameters from them.
   */
  keepCrcInputs?: boolean;
  /**
   * diskflux-only: recover data records whose check fails (ECC, other data
   * separators) and give every data record a `status`. The binary streams,
   * fields and annotations stay the original's.
   */
  recover?: boolean | RecoverOptions;
}

export interface CrcVerdict {
  ok: boolean;
  /** The CRC read from the disk, upper-case hex at the CRC width. */
  read: string;
  /** The CRC computed over the record, upper-case hex at the CRC width. */
  computed: string;
  bits: number;
}

export interface IdRecord {
  kind: "id";
  /** Sample range of the ID record bytes (as in the `ID Record` annotation). */
  start: number;
  end: number;
  /** Sample range of the address mark. */
  markStart: number;
  cyl: number;
  head: number;
  sec: number;
  /** Sector length in bytes decoded from the header. */
  len: number;
  bytes: Uint8Array;
  crc?: CrcVerdict & { start: number; end: number };
  /** With keepCrcInputs: the CRC input then the stored check, as in the idcrc/datacrc stream. */
  crcInput?: Uint8Array;
  /** With `recover`: set when this ID was read by a recovery separator, not the plain decode (which had none, or a bad one, here). */
  recovery?: RecoveryEvidence;
  /** diskflux-only: why the record ended without its check (a PLL reset cut its CRC short). */
  reset?: ResetNote;
}

export interface DataRecord {
  kind: "data";
  start: number;
  end: number;
  markStart: number;
  /** The data address mark byte (e.g. 0xF8, 0xFB, 0xA0). */
  mark: number;
  deleted: boolean;
  /** The payload; with `recover`, as recovered. */
  bytes: Uint8Array;
  crc?: CrcVerdict & { start: number; end: number };
  /** With keepCrcInputs: the CRC input then the stored check, as in the idcrc/datacrc stream. */
  crcInput?: Uint8Array;
  /** With `recover`: good (its check verified), corrected (ECC), recovered (another separator), bad. */
  status?: SectorStatus;
  /** How a corrected or recovered record was found. */
  recovery?: RecoveryEvidence;
  /** diskflux-only: why the record ended without its check (a PLL reset cut its CRC short). */
  reset?: ResetNote;
}

export type TrackRecord = IdRecord | DataRecord;

/**
 * diskflux-only: why the PLL reset (the original never says, spec §3.7).
 * - `short-pulse`: a pulse shorter than the code allows (n < Cmin)
 * - `long-pulse`: a pulse longer than the code allows (n > Cmax)
 * - `long-pulse-deferred`: the same, but it finished a byte first: the reset came at the next edge
 * - `no-sync-mark`: a pulse that continues no sync mark (after its first pulses matched)
 * - `unknown-byte`: the framer found no mark it knows (or a broken C2 C2 C2 FC index mark)
 * - `record-end`: the first gap byte after a CRC or index mark (every record ends so)
 */
export type ResetReason = "short-pulse" | "long-pulse" | "long-pulse-deferred" | "no-sync-mark" | "unknown-byte" | "record-end";

/**
 * What was being read when the PLL reset: the sync mark's pulses (`sync`), the
 * address mark bytes (`mark`), an ID record or its CRC (`id`, `idcrc`), a data
 * record or its CRC (`data`, `datacrc`), or the gap byte after a CRC (`gap`).
 */
export type ResetField = "sync" | "mark" | "id" | "idcrc" | "data" | "datacrc" | "gap";

/** diskflux-only: one PLL reset while a mark or record was being decoded (resets while locking are not noted). */
export interface ResetNote {
  /** Sample of the edge at which the PLL reset. */
  at: number;
  reason: ResetReason;
  field: ResetField;
  /** Sample range of the cause: the offending pulse, or for `unknown-byte` and `record-end` the byte. */
  start: number;
  end: number;
  /** The offending pulse's length in cells (for the framer's reasons, the pulse that finished the byte). */
  cells: number;
  /** Bytes of the field (`id`, `idcrc`, `data`, `datacrc`) read before the reset; 0 for the others. */
  fieldBytes: number;
}

/** The counters of the original's summary report (§6.5), over the whole capture. */
export interface DecodeStats {
  IAM: number; IDAM: number; DAM: number; DDAM: number;
  CRC_OK: number; CRC_err: number; EiPW: number; CkEr: number; OoTI: number; Intrvls: number;
}

export interface BinaryStreams {
  id: Uint8Array; idcrc: Uint8Array; data: Uint8Array; datacrc: Uint8Array; iddata: Uint8Array;
}

/** A field or error annotation as the original emits it (fields and errors rows). */
export interface FieldEvent {
  kind: "sync" | "mark" | "idrec" | "datarec" | "crc" | "unknown" | "clock";
  start: number;
  end: number;
  text: string;
}

export interface DecodeResult {
  backend: BackendName;
  sampleRate: number;
  sampleCount: number;
  options: ResolvedOptions;
  records: TrackRecord[];
  stats: DecodeStats;
  binary: BinaryStreams;
  fields: FieldEvent[];
  /** Raw event log (EVENT_STRIDE numbers per event), when requested. */
  events?: Float64Array;
  /** True when the event log holds every byte (EV_BYTE), i.e. decoded with logBytes (annotations need it). */
  bytesLogged?: boolean;
  /**
   * diskflux-only: every PLL reset while a mark or record was being decoded, in
   * order (the records cut short carry theirs as `reset`). PLL decoder only.
   */
  resets?: ResetNote[];
  /** With `recover`: how many data records are good, corrected, recovered and bad. */
  recovery?: RecoverySummary;
  /** What auto-detection found, when the options asked for it ("auto"). */
  detection?: DetectResult;
  /** Edges, cells and index levels, when events are requested. */
  edges?: { positions: Float64Array; cells: Int32Array; index: Uint8Array };
}
