// Tracks with chosen damage for the merge tests (test/merge.test.ts,
// test/e2e-disk.test.ts): an MFM floppy track of four 256-byte sectors whose
// data bits are flipped in the MFM cells themselves (so the stored check stays
// the one of the written payload, as a weak bit would leave it), and a
// SuperCard Pro file of one track holding several such revolutions.
import { encodeTrackDetailed, type SectorSpec } from "../../src/encode/track.js";
import { mfmWord } from "../../src/encode/cells.js";
import { cellsToEdges } from "../../src/encode/flux.js";
import { fluxCapture, type Revolution } from "../../src/readers/flux.js";
import { SCP_SAMPLE_RATE } from "../../src/readers/scp.js";
import { writeScp } from "../../src/writers/scp.js";

export const FORMAT = "MFM_floppy" as const;
export const OPTIONS = "data_rate=250000:format=MFM:data_crc_size=16:data_crc_poly=0x1021";
export const SIZE = 256;

export function sectorList(): SectorSpec[] {
  return [1, 2, 3, 4].map((sec) => ({ cyl: 0, head: 0, sec, data: Uint8Array.from({ length: SIZE }, (_, i) => (sec * 37 + i * 11) & 0xff) }));
}

/** The MFM cells of the track with data bits flipped (bit 1..7 of a payload byte, so no other byte's clock changes) and data CRCs broken. */
export function trackCells(flips: readonly { sec: number; byte: number; bit: number }[], badCrc: readonly number[] = []): Uint8Array {
  const sectors = sectorList().map((s) => (badCrc.includes(s.sec) ? { ...s, badDataCrc: true } : s));
  const t = encodeTrackDetailed({ format: FORMAT, sectors });
  const cells = t.cells.slice();
  for (const f of flips) {
    if (f.bit < 1 || f.bit > 7) throw new Error("bits 1..7 only");
    const m = t.marks.find((x) => x.kind === "data" && sectors[x.sector].sec === f.sec)!;
    const k = 4 + f.byte; // the 4 mark bytes (A1 A1 A1 FB), then the payload
    const w = mfmWord(m.bytes[k] ^ (1 << f.bit), m.bytes[k - 1] & 1);
    for (let i = 0; i < 16; i++) cells[m.cell + 16 * k + i] = (w >>> (15 - i)) & 1;
  }
  return cells;
}

export function edgesOf(cells: Uint8Array, sampleRate: number, seed: number): Float64Array {
  return cellsToEdges(cells, { sampleRate, dataRate: 250_000, jitter: 0.02, seed, startOffset: 64 * (sampleRate / 500_000) });
}

/** A SuperCard Pro file of one track, one revolution per cell array. */
export function scpOf(revs: readonly Uint8Array[]): Uint8Array {
  const h0 = SCP_SAMPLE_RATE / 500_000;
  const all: number[] = [];
  const revolutions: Revolution[] = [];
  let base = 0;
  revs.forEach((cells, r) => {
    const len = Math.round((cells.length + 128) * h0);
    for (const e of edgesOf(cells, SCP_SAMPLE_RATE, 3 + r)) all.push(base + e);
    revolutions.push({ start: base, end: base + len, indexTime: len / SCP_SAMPLE_RATE });
    base += len;
  });
  const capture = fluxCapture(Float64Array.from(all), SCP_SAMPLE_RATE, [...revolutions.map((x) => x.start), base], base + 1, "merge test");
  return writeScp([{ cyl: 0, head: 0, capture, revolutions }]);
}

