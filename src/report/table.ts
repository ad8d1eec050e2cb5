// A readable table of a decoded track: one row per ID record with its data
// record, CRC verdicts and sample range, then a line for each row whose record
// a PLL reset cut short or lost (src/resets.ts); with recovery, each data record's
// status (src/recover/status.ts) and, when a sector was read more than once
// (the revolutions of a flux track), one merged status per sector
// (src/recover/merge.ts: best copy, conflict, vote).
import type { DecodeResult, DataRecord, IdRecord } from "../types.js";
import { mergeResults, statusCounts } from "../recover/merge.js";
import { SECTOR_STATUSES } from "../recover/status.js";
import { resetText, sectorResets } from "../resets.js";

export interface SectorRow {
  id?: IdRecord;
  data?: DataRecord;
}

/** Pairs each ID record with the data record that follows it (before the next ID record). */
export function sectorRows(result: DecodeResult): SectorRow[] {
  const rows: SectorRow[] = [];
  for (const r of result.records) {
    if (r.kind === "id") rows.push({ id: r });
    else if (rows.length > 0 && rows[rows.length - 1].data === undefined && rows[rows.length - 1].id) rows[rows.length - 1].data = r;
    else rows.push({ data: r });
  }
  return rows;
}

function statusText(d: DataRecord | undefined): string {
  if (!d?.status) return d ? "" : "missing";
  const r = d.recovery;
  if (r?.how === "ecc") return `${d.status} (ECC: ${r.bits}-bit burst at bit ${r.startBit})`;
  if (r?.how === "pll") return `${d.status} (PLL kp=${r.kp} ki=${r.ki} tol=${r.syncTolerance}, ${r.agreeing} agree)`;
  return d.status;
}

function verdict(c: { ok: boolean; read: string; computed: string } | undefined): string {
  if (!c) return "incomplete";
  return c.ok ? `OK ${c.read}` : `BAD ${c.read}≠${c.computed}`;
}

/** With recovery and a sector read more than once: the merged statuses, one line, and the sectors not good. */
function mergedLines(result: DecodeResult): string[] {
  const merged = mergeResults([result]);
  if (!merged.some((m) => m.evidence.reads > 1)) return [];
  const n = statusCounts(merged);
  const most = Math.max(...merged.map((m) => m.evidence.reads));
  const lines = [`merged (up to ${most} reads a sector): ` + SECTOR_STATUSES.filter((k) => n[k] > 0).map((k) => `${n[k]} ${k}`).join(", ")];
  for (const m of merged) {
    if (m.status === "good") continue;
    const e = m.evidence;
    const v = e.vote;
    const why =
      m.status === "conflict" ? `${e.variants} different payloads among ${e.good + e.corrected + e.recovered} verifying copies` :
      m.status === "voted" && v ? `vote over ${v.copies} copies, ${v.contested} contested bits${v.ecc ? `, ECC ${v.ecc.bits}-bit burst` : ""}` :
      m.status === "bad" && v?.refused ? `no vote: ${v.refused}` :
      `${e.reads} reads`;
    lines.push(`  cyl ${m.cyl} head ${m.head} sec ${m.sec}: ${m.status} (${why})`);
  }
  return lines;
}

/**
 * The sector table the CLI prints: one line per ID/data pair with the ID's
 * cyl/head/sec, both CRC verdicts and (after recovery) the data's status.
 *
 * @example
 * import { decode, readCaptureFile, sectorTable } from "diskflux";
 * const result = await decode(await readCaptureFile("track.sr"), "data_rate=5000000:format=MFM:header_format=3");
 * process.stdout.write(sectorTable(result));
 */
export function sectorTable(result: DecodeResult): string {
  const rows = sectorRows(result);
  const withStatus = rows.some((r) => r.data?.status !== undefined);
  const head = ["#", "cyl", "head", "sec", "len", "ID CRC", "data CRC", "samples", ...(withStatus ? ["status"] : [])];
  const body = rows.map((row, i) => [
    String(i + 1),
    row.id ? String(row.id.cyl) : "-",
    row.id ? String(row.id.head) : "-",
    row.id ? String(row.id.sec) : "-",
    row.id ? String(row.id.len) : String(row.data?.bytes.length ?? "-"),
    row.id ? verdict(row.id.crc) : "no ID",
    row.data ? verdict(row.data.crc) : "no data",
    `${row.id?.markStart ?? row.data?.markStart}-${row.data?.crc?.end ?? row.data?.end ?? row.id?.crc?.end ?? row.id?.end}`,
    ...(withStatus ? [statusText(row.data)] : []),
  ]);
  const widths = head.map((h, c) => Math.max(h.length, ...body.map((r) => r[c].length)));
  const line = (cells: string[]) => cells.map((s, c) => (c >= 5 ? s.padEnd(widths[c]) : s.padStart(widths[c]))).join("  ").trimEnd();
  const s = result.stats;
  const good = rows.filter((r) => r.id?.crc?.ok && r.data?.crc?.ok).length;
  const rec = result.recovery;
  // diskflux-only: why the PLL reset where a row's record was cut short or is missing
  const why = sectorResets(rows, result.resets ?? []);
  const notes = why.flatMap((note, i) => (note ? [`  #${i + 1}: ${resetText(note)}`] : []));
  return [
    line(head),
    ...body.map(line),
    ...notes,
    "",
    `${rows.length} sectors, ${good} with good ID and data CRCs; IDAM=${s.IDAM} DAM=${s.DAM} CRC_OK=${s.CRC_OK} CRC_err=${s.CRC_err} ` +
      `CkEr=${s.CkEr} OoTI=${s.OoTI}/${s.Intrvls}`,
    ...(rec ? [`recovery: ${rec.good} good, ${rec.corrected} corrected, ${rec.recovered} recovered, ${rec.bad} bad data records (${rec.retryDecodes} retry decodes)`] : []),
    ...(withStatus ? mergedLines(result) : []),
  ].join("\n") + "\n";
}
