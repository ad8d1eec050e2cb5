// A readable table of a decoded track: one row per ID record with its data
// record, CRC verdicts and sample range.
import type { DecodeResult, DataRecord, IdRecord } from "../types.js";

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
  return [
    line(head),
    ...body.map(line),
    "",
    `${rows.length} sectors, ${good} with good ID and data CRCs; IDAM=${s.IDAM} DAM=${s.DAM} CRC_OK=${s.CRC_OK} CRC_err=${s.CRC_err} ` +
      `CkEr=${s.CkEr} OoTI=${s.OoTI}/${s.Intrvls}`,
    ...(rec ? [`recovery: ${rec.good} good, ${rec.corrected} corrected, ${rec.recovered} recovered, ${rec.bad} bad data records (${rec.retryDecodes} retry decodes)`] : []),
  ].join("\n") + "\n";
}
