// diskflux-only: why the PLL reset, in words. The original never annotates a
// reason (spec §3.7); the track kernel notes each reset while a mark or record
// is being decoded (EV_RESET, src/kernels/abi.ts), src/collect.ts turns them
// into DecodeResult.resets and gives a record cut short in its CRC its own
// `reset`. These helpers word a note and find the one that explains a sector
// whose ID or data record is missing (no record is made for a field cut short
// before its end).
import type { DataRecord, IdRecord, ResetField, ResetNote, ResetReason } from "./types.js";

const REASON_TEXT: Readonly<Record<ResetReason, string>> = {
  "short-pulse": "a pulse shorter than the code allows",
  "long-pulse": "a pulse longer than the code allows",
  "long-pulse-deferred": "a pulse longer than the code allows (after the byte it finished)",
  "no-sync-mark": "a pulse that continues no sync mark",
  "unknown-byte": "an unknown mark byte",
  "record-end": "the end of the record (the gap byte after its CRC)",
};

const FIELD_TEXT: Readonly<Record<ResetField, string>> = {
  sync: "the sync mark",
  mark: "the address mark",
  id: "the ID record",
  idcrc: "the ID record's CRC",
  data: "the data record",
  datacrc: "the data record's CRC",
  gap: "the gap after a CRC",
};

/**
 * One line saying why the PLL reset and where, e.g. "PLL reset in the data
 * record after 120 bytes: a pulse shorter than the code allows (1 cell)".
 *
 * @example
 * import { decode, resetText, synthTrack } from "diskflux";
 * const t = synthTrack({ format: "MFM", sectorsPerTrack: 2 });
 * const result = await decode(t.edges, t.options);
 * for (const note of result.resets ?? []) console.log(note.at, resetText(note));
 */
export function resetText(note: ResetNote): string {
  const after = note.fieldBytes > 0 ? ` after ${note.fieldBytes} byte${note.fieldBytes === 1 ? "" : "s"}` : "";
  const pulse = note.reason === "unknown-byte" || note.reason === "record-end" ? "" : ` (${note.cells} cell${note.cells === 1 ? "" : "s"})`;
  return `PLL reset in ${FIELD_TEXT[note.field]}${after}: ${REASON_TEXT[note.reason]}${pulse}`;
}

/**
 * The reset that explains a missing record: the first reset at a sample in
 * [from, to) other than a record's normal end, preferring one in `fields`
 * (the record's own field: `data` for a missing data record) over one in a
 * sync or address mark. Undefined when none.
 *
 * @example
 * import { decode, missingRecordReset, resetText, synthTrack } from "diskflux";
 * const t = synthTrack({ format: "MFM", sectorsPerTrack: 2 });
 * const result = await decode(t.edges, t.options);
 * const id = result.records.find((r) => r.kind === "id");
 * const why = id && missingRecordReset(result.resets ?? [], id.end, Infinity, ["data"]);
 * if (why) console.log(resetText(why));
 */
export function missingRecordReset(resets: readonly ResetNote[], from: number, to: number, fields: readonly ResetField[]): ResetNote | undefined {
  let mark: ResetNote | undefined;
  for (const r of resets) {
    if (r.at < from) continue;
    if (r.at >= to) break;
    if (r.reason === "record-end") continue;
    if (fields.includes(r.field)) return r;
    if (!mark && (r.field === "sync" || r.field === "mark")) mark = r;
  }
  return mark;
}

/** A row of the sector table: an ID record with its data record (src/report/table.ts sectorRows). */
export interface SectorRowLike {
  id?: IdRecord;
  data?: DataRecord;
}

/**
 * Per row of a sector table, why its ID or data record ended without its
 * check, or is missing: the reset that cut a record's CRC short (its own
 * note), else the first reset between the row's neighbours in the field it
 * lacks. A data record a recovery separator read again (not ECC) gets the
 * plain decode's reason too, when a reset cut that decode's data record short.
 * Undefined for rows with nothing to explain. The page's sector table and the
 * CLI's (src/report/table.ts) show them.
 */
export function sectorResets(rows: readonly SectorRowLike[], resets: readonly ResetNote[]): (ResetNote | undefined)[] {
  const start = (r: SectorRowLike) => r.id?.markStart ?? r.data?.markStart ?? 0;
  const end = (r: SectorRowLike) => r.data?.crc?.end ?? r.data?.end ?? r.id?.crc?.end ?? r.id?.end ?? 0;
  return rows.map((r, i) => {
    if (r.id?.reset) return r.id.reset;
    if (r.data?.reset) return r.data.reset;
    const next = i + 1 < rows.length ? start(rows[i + 1]) : Infinity;
    if (r.id?.crc && !r.data) return missingRecordReset(resets, r.id.crc.end, next, ["data"]);
    if (r.id?.crc && r.data?.recovery && r.data.recovery.how !== "ecc") {
      const why = missingRecordReset(resets, r.id.crc.end, next, ["data"]);
      return why?.field === "data" ? why : undefined;
    }
    if (!r.id && r.data) return missingRecordReset(resets, i > 0 ? end(rows[i - 1]) : 0, r.data.markStart, ["id"]);
    return undefined;
  });
}
