// synthTrack: one call from "format + a few numbers" to a decodable capture.
//
//   sectors ──encodeTrack──▶ cells ──cellsToEdges──▶ edges ──edgesToLogic──▶ samples
//   (track.ts)               0/1 per cell  (flux.ts: jitter, drift)    (bit 0 data, bit 1 index)
//
// Defaults per format (SYNTH_FORMATS[f].defaults and .sampleRate):
//
//   format        sectors × bytes  first  data rate    sample rate  H0 (samples/cell)
//   FM            10 × 256         1      125 kb/s     15 MHz       60
//   MFM_floppy    18 × 256         1      250 kb/s     15 MHz       30
//   MFM           17 × 512         0      5 Mb/s       100 MHz      10
//   RLL_WD        26 × 512         1      7.5 Mb/s     200 MHz      13.33
//   RLL_Seagate   26 × 512         0      7.5 Mb/s     200 MHz      13.33
//
// The first cell is placed so the pulse from sample 0 (§1.3) is Cmin cells
// long, i.e. no out-of-tolerance pulse at the start. Payloads come from the
// seeded PRNG, so a (format, options, seed) triple always yields the same
// capture, byte for byte.
//
// CRC overrides (headerCrc, dataCrc) replace the format's CRCs; the option
// string then spells them out (header_crc_size/poly/init, data_crc_size,
// data_crc_poly for a listed polynomial else data_crc_poly_custom, data_crc_init).
// A header and data polynomial that are equal at different widths are refused:
// the original decoder checks the data CRC with the header's table then (§5.4).

import type { EdgeCapture, LogicCapture } from "../capture.js";
import { DiskfluxError } from "../errors.js";
import { cellsToEdges, edgeCapture, edgesToLogic, mulberry32 } from "./flux.js";
import {
  SYNTH_FORMATS,
  encodeTrackDetailed,
  withCrcs,
  type CrcParams,
  type GapSizes,
  type SectorSpec,
  type SynthFormat,
  type SynthFormatName,
  type TrackLayout,
} from "./track.js";

/** data_rate values the decoder accepts (§2.1). */
const DATA_RATES = [125000, 150000, 250000, 300000, 500000, 5000000, 7500000, 10000000];

/** The allowed data_crc_poly values of src/options.ts, spelled as there; others go to data_crc_poly_custom. */
const LISTED_DATA_POLYS = ["0x1021", "0xA00805", "0x140a0445", "0x0104c981", "0x41044185", "0x181814503011", "0x140a0445000101"];

export interface SynthOptions {
  readonly format: SynthFormatName;
  /** Explicit sectors; when given, cyl/head/sectorsPerTrack/sectorSize/badSectors are ignored. */
  readonly sectors?: readonly SectorSpec[];
  readonly cyl?: number;
  readonly head?: number;
  readonly sectorsPerTrack?: number;
  readonly sectorSize?: number;
  /** Number of the first sector (default per format: 0 or 1). */
  readonly firstSector?: number;
  /** Samples per second (default per format). */
  readonly sampleRate?: number;
  /** Data rate override; must be one the decoder accepts. The option string follows it. */
  readonly dataRate?: number;
  /** Edge jitter, standard deviation in cells (default 0). */
  readonly jitter?: number;
  /** Relative cell-width change over the track (default 0). */
  readonly drift?: number;
  /** Seed of payloads and jitter (default 1). */
  readonly seed?: number;
  /** Sector numbers whose data CRC is written wrong. */
  readonly badSectors?: readonly number[];
  readonly gaps?: Partial<GapSizes>;
  /** Write an index address mark (FM, MFM formats). */
  readonly indexMark?: boolean;
  /** Add an index pulse (channel 1, active low) in the lead-in gap. */
  readonly indexPulse?: boolean;
  /** Header CRC replacing the format's: poly = low W bits (x^W implied); poly and init masked to the width. */
  readonly headerCrc?: { readonly width: 16 | 32; readonly poly: bigint; readonly init: bigint };
  /** Data CRC replacing the format's, likewise. */
  readonly dataCrc?: { readonly width: 16 | 32 | 48 | 56; readonly poly: bigint; readonly init: bigint };
}

/** What a correct decode of the synthesized track yields, sector by sector in track order. */
export interface ExpectedSector {
  readonly cyl: number;
  readonly head: number;
  readonly sec: number;
  /** Payload length. */
  readonly size: number;
  readonly data: Uint8Array;
  /** The header record bytes (§5.3) as the decoder's `id` output has them. */
  readonly id: Uint8Array;
  readonly idCrcOk: boolean;
  /** null when the sector has no data field. */
  readonly dataCrcOk: boolean | null;
}

export interface SynthResult {
  readonly format: SynthFormat;
  readonly capture: LogicCapture;
  readonly edges: EdgeCapture;
  readonly cells: Uint8Array;
  readonly layout: TrackLayout;
  /** sigrok `-P mfm:` option string that decodes the capture. */
  readonly options: string;
  readonly expected: readonly ExpectedSector[];
}

/** Builds the default sector list: random payloads from `seed`. */
export function defaultSectors(fmt: SynthFormat, o: Omit<SynthOptions, "format">): SectorSpec[] {
  const n = o.sectorsPerTrack ?? fmt.defaults.sectorsPerTrack;
  const size = o.sectorSize ?? fmt.defaults.sectorSize;
  const first = o.firstSector ?? fmt.defaults.firstSector;
  if (!Number.isInteger(n) || n < 0 || n > 256) throw new DiskfluxError("E_ARGUMENT", `sectorsPerTrack must be 0..256, got ${n}`);
  const bad = new Set(o.badSectors ?? []);
  // Payload PRNG separate from the jitter PRNG so changing jitter keeps the data.
  const rand = mulberry32(((o.seed ?? 1) ^ 0x5eed5eed) >>> 0);
  const out: SectorSpec[] = [];
  for (let i = 0; i < n; i++) {
    const data = new Uint8Array(size);
    for (let j = 0; j < size; j++) data[j] = (rand() * 256) | 0;
    const sec = first + i;
    out.push({ cyl: o.cyl ?? 0, head: o.head ?? 0, sec, data, ...(bad.has(sec) ? { badDataCrc: true } : {}) });
  }
  return out;
}

const hexOf = (v: bigint) => `0x${v.toString(16)}`;

/**
 * The decoder option string for a format at a data rate. With CRC overrides
 * (already masked, e.g. from withCrcs) the format's CRC options are replaced by
 * ones that spell the given CRCs.
 */
export function optionsFor(
  fmt: SynthFormat,
  dataRate: number = fmt.dataRate,
  crcs: { readonly headerCrc?: CrcParams; readonly dataCrc?: CrcParams } = {},
): string {
  let parts = fmt.options.replace(/^data_rate=\d+/, `data_rate=${dataRate}`).split(":");
  const h = crcs.headerCrc;
  const d = crcs.dataCrc;
  if (h) {
    parts = parts.filter((p) => !/^header_crc_(?:size|poly|init)=/.test(p));
    parts.push(`header_crc_size=${h.width}`, `header_crc_poly=${hexOf(h.poly)}`, `header_crc_init=${hexOf(h.init)}`);
  }
  if (d) {
    parts = parts.filter((p) => !/^data_crc_(?:size|poly|poly_custom|init)=/.test(p));
    const listed = LISTED_DATA_POLYS.find((x) => BigInt(x) === d.poly);
    parts.push(
      `data_crc_size=${d.width}`,
      listed !== undefined ? `data_crc_poly=${listed}` : `data_crc_poly_custom=${hexOf(d.poly)}`,
      `data_crc_init=${hexOf(d.init)}`,
    );
  }
  return parts.join(":");
}

/**
 * Synthesizes a whole track as a logic capture and as edges, with its decode options and expected sectors.
 *
 * @example
 * import { decode, synthTrack } from "diskflux";
 * const t = synthTrack({ format: "MFM", cyl: 12, head: 3, jitter: 0.05, badSectors: [4] });
 * const result = await decode(t.capture, t.options); // t.options: "data_rate=5000000:format=MFM:…"
 * const data = result.records.filter((r) => r.kind === "data");
 * console.log(data.length, t.expected.length, data.map((r) => r.crc?.ok)); // sector 4 has a bad data CRC
 */
export function synthTrack(o: SynthOptions): SynthResult {
  const fmt = SYNTH_FORMATS[o.format];
  if (!fmt) throw new DiskfluxError("E_ARGUMENT", `unknown synth format '${String(o.format)}'`);
  const dataRate = o.dataRate ?? fmt.dataRate;
  if (!DATA_RATES.includes(dataRate)) throw new DiskfluxError("E_ARGUMENT", `data rate ${dataRate} is not one the decoder accepts`);
  const sampleRate = o.sampleRate ?? (dataRate === fmt.dataRate ? fmt.sampleRate : Math.max(10_000_000, 40 * dataRate));
  if (!(sampleRate >= 4 * dataRate)) throw new DiskfluxError("E_ARGUMENT", `sample rate ${sampleRate} is too low for ${dataRate} b/s`);

  const crcs = { ...(o.headerCrc ? { headerCrc: o.headerCrc } : {}), ...(o.dataCrc ? { dataCrc: o.dataCrc } : {}) };
  const eff = withCrcs(fmt, crcs);
  if (eff.headerCrc.poly === eff.dataCrc.poly && eff.headerCrc.width !== eff.dataCrc.width) {
    throw new DiskfluxError(
      "E_USAGE",
      `header and data CRC polynomials are both ${hexOf(eff.dataCrc.poly)} but ${eff.headerCrc.width} and ${eff.dataCrc.width} bits wide; ` +
        "the original decoder then checks the data CRC with the header's table (spec §5.4) and cannot read the track back: " +
        "give both the same width or pick another data polynomial",
    );
  }

  const sectors = o.sectors ? [...o.sectors] : defaultSectors(fmt, o);
  const layout: TrackLayout = {
    format: fmt.name, sectors,
    ...(o.gaps ? { gaps: o.gaps } : {}), ...(o.indexMark ? { indexMark: true } : {}),
    ...(o.headerCrc ? { headerCrc: eff.headerCrc } : {}), ...(o.dataCrc ? { dataCrc: eff.dataCrc } : {}),
  };
  const track = encodeTrackDetailed(layout);
  const seed = o.seed ?? 1;
  const h0 = sampleRate / (2 * dataRate);
  // The decoder measures the first pulse from sample 0 (§1.3): start the cells so
  // that pulse is a legal Cmin cells long instead of an out-of-tolerance one.
  const firstOne = Math.max(0, track.cells.indexOf(1));
  const startOffset = Math.max(0, fmt.limits[0] - firstOne) * h0;
  const edgeArr = cellsToEdges(track.cells, { sampleRate, dataRate, jitter: o.jitter ?? 0, drift: o.drift ?? 0, seed, startOffset });
  // Index pulse: 32 cells long, starting 4 cells into the lead-in gap.
  const index = o.indexPulse ? { positions: [Math.floor(startOffset + 4 * h0)], width: Math.max(1, Math.floor(32 * h0)) } : undefined;
  const capture = edgesToLogic(edgeArr, { sampleRate, pulseWidth: Math.max(1, Math.min(20, Math.floor(h0 / 2))), ...(index ? { index } : {}), source: `synth:${fmt.name}` });
  const edges = edgeCapture(edgeArr, sampleRate, { sampleCount: capture.sampleCount, ...(index ? { index } : {}), source: `synth:${fmt.name}` });

  const expected: ExpectedSector[] = sectors.map((s, i) => {
    const f = track.fields[i];
    return {
      cyl: s.cyl,
      head: s.head,
      sec: s.sec,
      size: s.data.length,
      data: s.data,
      id: f.id.onDisk.subarray(fmt.idMark.length, fmt.idMark.length + fmt.headerBytes),
      idCrcOk: f.id.crcOk,
      dataCrcOk: f.data ? f.data.crcOk : null,
    };
  });
  const options = optionsFor(fmt, dataRate, {
    ...(o.headerCrc ? { headerCrc: eff.headerCrc } : {}),
    ...(o.dataCrc ? { dataCrc: eff.dataCrc } : {}),
  });
  return { format: eff, capture, edges, cells: track.cells, layout, options, expected };
}
