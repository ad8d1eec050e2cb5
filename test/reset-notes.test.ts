// diskflux-only reset notes (issue 11): why the PLL reset while a mark or
// record was being decoded. Tracks with one known defect each (a 1-cell pulse,
// a missing run of edges, a damaged mark byte or sync mark), on both backends:
// the reason, the field, the sample positions and the record it cut short.
import { describe, it, expect } from "vitest";
import { synthTrack, type SynthResult } from "../src/encode/synth.js";
import { encodeTrackDetailed, type EncodedTrack } from "../src/encode/track.js";
import { mfmWord } from "../src/encode/cells.js";
import { cellsToEdges } from "../src/encode/flux.js";
import { decode } from "../src/decode.js";
import { resetText, missingRecordReset, sectorResets } from "../src/resets.js";
import { sectorRows, sectorTable } from "../src/report/table.js";
import type { DecodeResult, ResetNote } from "../src/types.js";
import type { EdgeCapture } from "../src/capture.js";
import { packResult, unpackResult } from "../src/pool/protocol.js";

const SIZE = 256;
const t: SynthResult = synthTrack({ format: "MFM", sectorsPerTrack: 4, sectorSize: SIZE });
const enc: EncodedTrack = encodeTrackDetailed(t.layout);
const h0 = t.edges.sampleRate / (2 * 5_000_000);
const firstCell = enc.cells.indexOf(1);
/** Sample of cell c (no jitter: every edge sits on its cell). */
const sampleOf = (c: number) => t.edges.edges[0] + (c - firstCell) * h0;
/** MFM "MFM" preset: the marks are A1 FE (ID) and A1 F8 (data), then the record. */
const MARK_BYTES = 2;
const markOf = (kind: "id" | "data", sector: number) => enc.marks.find((m) => m.kind === kind && m.sector === sector)!;
/** First cell of byte k of a field (0 = the A1). */
const cellOfByte = (kind: "id" | "data", sector: number, k: number) => markOf(kind, sector).cell + 16 * k;

function capture(edges: Float64Array): EdgeCapture {
  return { ...t.edges, edges };
}

/** The clean edges with one more edge, 1 cell after the first edge at or after cell c: a 1-cell pulse. */
function shortPulseAt(c: number): { capture: EdgeCapture; before: number; at: number } {
  const e = t.edges.edges;
  const k = e.findIndex((x) => x >= sampleOf(c));
  const at = e[k] + h0;
  expect(e[k + 1] - e[k]).toBeGreaterThanOrEqual(2 * h0);
  const out = new Float64Array(e.length + 1);
  out.set(e.subarray(0, k + 1));
  out[k + 1] = at;
  out.set(e.subarray(k + 1), k + 2);
  return { capture: capture(out), before: e[k], at };
}

/** The track's cells with byte k of a field replaced (MFM, the clock of the next byte left as is). */
function withByte(kind: "id" | "data", sector: number, k: number, word: (prevBit: number) => number): EdgeCapture {
  const cells = enc.cells.slice();
  const m = markOf(kind, sector);
  const c = cellOfByte(kind, sector, k);
  const w = word(k > 0 ? m.bytes[k - 1] & 1 : 0);
  for (let i = 0; i < 16; i++) cells[c + i] = (w >>> (15 - i)) & 1;
  const edges = cellsToEdges(cells, { sampleRate: t.edges.sampleRate, dataRate: 5_000_000, startOffset: t.edges.edges[0] - firstCell * h0 });
  return capture(edges);
}

const notes = (r: DecodeResult) => (r.resets ?? []).filter((x) => x.reason !== "record-end");

describe.each(["js", "wasm"] as const)("reset notes (%s)", (backend) => {
  it("a clean track: every reset is a record's end, one after each record, none noted while locking", async () => {
    const r = await decode(t.edges, t.options, { backend });
    expect(r.records).toHaveLength(8);
    expect(r.records.every((x) => x.crc?.ok && x.reset === undefined)).toBe(true);
    expect(r.resets).toHaveLength(8);
    r.records.forEach((rec, i) => {
      const n = r.resets![i];
      expect(n).toMatchObject({ reason: "record-end", field: "gap", fieldBytes: 0 });
      // the gap byte right after the CRC
      expect(n.start).toBe(rec.crc!.end);
      expect(n.at).toBeGreaterThan(n.start);
    });
    // nothing to explain: no row has a note, and the table has no note line
    expect(sectorResets(sectorRows(r), r.resets!).every((x) => x === undefined)).toBe(true);
    expect(sectorTable(r)).not.toContain("PLL reset");
  });

  it("a 1-cell pulse inside a data record: short-pulse in the data field, where and after how many bytes", async () => {
    const { capture: c, before, at } = shortPulseAt(cellOfByte("data", 1, MARK_BYTES + 100));
    const r = await decode(c, t.options, { backend });
    const n = notes(r);
    expect(n).toEqual([{ at, reason: "short-pulse", field: "data", start: before, end: at, cells: 1, fieldBytes: 100 }]);
    expect(resetText(n[0])).toBe("PLL reset in the data record after 100 bytes: a pulse shorter than the code allows (1 cell)");
    // no data record is made for a field cut short before its end: sector 1's row has its ID only, and the note says why
    const rows = sectorRows(r);
    expect(rows).toHaveLength(4);
    const row = rows.find((x) => x.id?.sec === t.expected[1].sec)!;
    expect(row.data).toBeUndefined();
    const next = rows[rows.indexOf(row) + 1];
    expect(missingRecordReset(r.resets!, row.id!.end, next.id!.markStart, ["data"])).toBe(n[0]);
    // the other sectors read clean, and nothing of the original's outputs mentions the reset
    expect(rows.filter((x) => x.data?.crc?.ok)).toHaveLength(3);
    expect(r.fields.map((f) => f.kind)).not.toContain("reset");
    // the row says why (the page's table and the CLI's): that row only
    const why = sectorResets(rows, r.resets!);
    expect(why[rows.indexOf(row)]).toBe(n[0]);
    expect(why.filter((x) => x !== undefined)).toHaveLength(1);
    expect(sectorTable(r).split("\n")).toContain(`  #${rows.indexOf(row) + 1}: ${resetText(n[0])}`);
  });

  it("a 1-cell pulse in a data record's CRC: the record carries the note", async () => {
    const { capture: c, before, at } = shortPulseAt(cellOfByte("data", 2, MARK_BYTES + SIZE + 1));
    const r = await decode(c, t.options, { backend });
    const data = r.records.filter((x) => x.kind === "data");
    expect(data).toHaveLength(4);
    const cut = data.find((x) => !x.crc)!;
    expect(cut.reset).toEqual({ at, reason: "short-pulse", field: "datacrc", start: before, end: at, cells: 1, fieldBytes: 1 });
    expect(cut.reset).toBe(notes(r)[0]);
    expect(data.filter((x) => x.reset === undefined).every((x) => x.crc?.ok)).toBe(true);
    // --json (records serialized as they are) carries it
    expect(JSON.parse(JSON.stringify(cut)).reset.reason).toBe("short-pulse");
  });

  it("a 1-cell pulse in an ID record's CRC: the ID record carries the note", async () => {
    const { capture: c, at } = shortPulseAt(cellOfByte("id", 3, MARK_BYTES + 4));
    const r = await decode(c, t.options, { backend });
    const ids = r.records.filter((x) => x.kind === "id");
    const cut = ids.find((x) => !x.crc)!;
    expect(cut.sec).toBe(t.expected[3].sec);
    expect(cut.reset).toMatchObject({ at, reason: "short-pulse", field: "idcrc", fieldBytes: 0 });
    expect(resetText(cut.reset!)).toBe("PLL reset in the ID record's CRC: a pulse shorter than the code allows (1 cell)");
    const rows = sectorRows(r);
    const i = rows.findIndex((x) => x.id === cut);
    expect(sectorResets(rows, r.resets!)[i]).toBe(cut.reset);
    expect(sectorTable(r)).toContain(`  #${i + 1}: PLL reset in the ID record's CRC: a pulse shorter than the code allows (1 cell)\n`);
  });

  it("edges missing inside a data record: a long pulse", async () => {
    const e = t.edges.edges;
    const k = e.findIndex((x) => x >= sampleOf(cellOfByte("data", 0, MARK_BYTES + 50)));
    const out = Float64Array.from([...e.subarray(0, k + 1), ...e.subarray(k + 4)]);
    const r = await decode(capture(out), t.options, { backend });
    const n = notes(r)[0];
    expect(["long-pulse", "long-pulse-deferred"]).toContain(n.reason);
    expect(n.field).toBe("data");
    // the cause is the long pulse itself, whichever edge the reset came at
    expect(n.start).toBe(e[k]);
    expect(n.end).toBe(e[k + 4]);
    expect(n.cells).toBe(Math.round((e[k + 4] - e[k]) / h0));
    expect(n.cells).toBeGreaterThan(4);
    if (n.reason === "long-pulse") expect(n.at).toBe(e[k + 4]);
    else expect(n.at).toBe(out[k + 2]);
    expect(n.fieldBytes).toBeGreaterThanOrEqual(49);
    expect(n.fieldBytes).toBeLessThanOrEqual(51);
  });

  it("a long pulse that finishes a byte: the reset is deferred to the next edge", async () => {
    // find a cut whose long pulse completes a byte (P + n >= 16), trying successive edges
    const e = t.edges.edges;
    const k0 = e.findIndex((x) => x >= sampleOf(cellOfByte("data", 0, MARK_BYTES + 50)));
    let seen: ResetNote | undefined;
    for (let k = k0; k < k0 + 16 && !seen; k++) {
      const out = Float64Array.from([...e.subarray(0, k + 1), ...e.subarray(k + 3)]);
      const r = await decode(capture(out), t.options, { backend });
      const n = notes(r)[0];
      if (n.reason === "long-pulse-deferred") {
        seen = n;
        expect(n).toMatchObject({ field: "data", start: e[k], end: e[k + 3], at: out[k + 2] });
      } else expect(n).toMatchObject({ reason: "long-pulse", field: "data", start: e[k], end: e[k + 3], at: e[k + 3] });
    }
    expect(seen).toBeDefined();
  });

  it("a data mark byte the framer does not know: unknown-byte in the mark", async () => {
    const c = withByte("data", 1, 1, (prev) => mfmWord(0x12, prev));
    const r = await decode(c, t.options, { backend });
    const n = notes(r);
    expect(n).toHaveLength(1);
    expect(n[0]).toMatchObject({ reason: "unknown-byte", field: "mark", fieldBytes: 0 });
    // the byte's range is the original's "Unknown byte" annotation's
    const unk = r.fields.find((f) => f.kind === "unknown")!;
    expect([n[0].start, n[0].end]).toEqual([unk.start, unk.end]);
    expect(resetText(n[0])).toBe("PLL reset in the address mark: an unknown mark byte");
    const rows = sectorRows(r);
    const row = rows.find((x) => x.id?.sec === t.expected[1].sec)!;
    expect(row.data).toBeUndefined();
    expect(missingRecordReset(r.resets!, row.id!.end, Infinity, ["data"])).toBe(n[0]);
  });

  it("an A1 written with its clock: the sync mark's pulses stop matching (no-sync-mark)", async () => {
    const c = withByte("id", 2, 0, (prev) => mfmWord(0xa1, prev));
    const r = await decode(c, t.options, { backend });
    const n = notes(r);
    expect(n.length).toBeGreaterThanOrEqual(1);
    expect(n[0]).toMatchObject({ reason: "no-sync-mark", field: "sync", fieldBytes: 0 });
    const a1 = sampleOf(cellOfByte("id", 2, 0));
    expect(n[0].start).toBeGreaterThanOrEqual(a1);
    expect(n[0].end).toBeLessThan(a1 + 16 * h0);
    expect(n[0].end).toBe(n[0].at);
    // sector 2 has no ID record; its data record is an orphan, and the note explains the missing ID
    expect(r.records.filter((x) => x.kind === "id").map((x) => x.kind === "id" && x.sec)).not.toContain(t.expected[2].sec);
    const data2 = r.records.find((x) => x.kind === "data" && x.markStart > a1)!;
    expect(missingRecordReset(r.resets!, 0, data2.markStart, ["id", "idcrc"])?.reason).toBe("no-sync-mark");
  });

  it("the notes come back from a pool worker packed, as decode() gave them", async () => {
    const { capture: c } = shortPulseAt(cellOfByte("data", 2, MARK_BYTES + SIZE + 1));
    const r = await decode(c, t.options, { backend });
    const { result, packed } = packResult(r);
    expect(result.resets).toEqual([]);
    const back = unpackResult(structuredClone({ result, packed }));
    expect(back.resets).toEqual(r.resets);
    expect(back.records).toEqual(r.records);
    expect(Object.keys(back)).toEqual(Object.keys(r));
    expect(back.records.some((x) => x.reset?.field === "datacrc")).toBe(true);
  });

  it("the legacy decoder notes none", async () => {
    const r = await decode(t.edges, `${t.options}:decoder=legacy`, { backend });
    expect(r.resets).toBeUndefined();
  });
});
