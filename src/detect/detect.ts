// detect(): every decoder parameter of a capture nobody described.
//
//   edges ──▶ pulse histogram ──▶ (family, data rate) readings, best first
//                                   │
//          for each vendor preset of the family: decode with a header trial
//          layout (4 bytes + W-bit check) and keep each ID record's CRC input
//                                   │
//          header: byte count (3|4) × width (16|32) → polynomial and init
//          solved from the records (solve-crc.ts) → layout (header-format.ts)
//                                   │
//          data: sector size from the layout × width (16|32|48|56) → solved
//                                   │
//          the PLL retried with other gains when records still fail
//
// Every decode here runs on the capture's edges, extracted once. Options the
// caller gives are kept and narrow the search. The result's option string,
// handed to decode() or to the original decoder as `-P mfm:…`, gives exactly
// the output detection saw.
import type { Capture, EdgeCapture } from "../capture.js";
import { decode } from "../decode.js";
import { DiskfluxError } from "../errors.js";
import { getGf2Kernel } from "../kernels/gf2-load.js";
import type { Gf2Kernel } from "../kernels/gf2.js";
import { getKernels, type BackendChoice } from "../kernels/load.js";
import { crcOf } from "../kernels/crc.js";
import { HEADER_BYTES, PRESETS, type FormatName, type HeaderFormat } from "../presets.js";
import { parsePyInt, resolveOptions, type DecodeOptions, type OptionKey } from "../options.js";
import type { ChannelMap, DataRecord, IdRecord } from "../types.js";
import { captureEdges } from "./edges.js";
import { pulseHistogram, type Family, type RateGuess } from "./histogram.js";
import { PRESET_HEADER, rankLayouts, type HeaderReading } from "./header-format.js";
import { splitAutoOptions, DETECTED_KEYS, formatOptionString } from "./options.js";
import { checkValue, solveCrc, type Confidence, type CrcRecord, type CrcSolution } from "./solve-crc.js";

export type { Confidence } from "./solve-crc.js";

export interface DetectRequest {
  backend?: BackendChoice;
  channels?: ChannelMap;
  /** Captures looked at when many are given (the rest share the answer); default 8. */
  maxCaptures?: number;
  /** Trial decodes at most (default 48); past it detection gives up with what it has, and says so. */
  maxTrials?: number;
}

export interface CrcEvidence {
  width: number;
  poly: string;
  init: string;
  /** Distinct records that verify / were tried. */
  matches: number;
  total: number;
  /** given: your option; table: a known polynomial, init solved; solved: polynomial found by GCD of record differences. */
  source: CrcSolution["source"];
  /** Verifying records that were not used to find the polynomial. */
  heldOut: number;
}

export interface CandidateEvidence {
  format: string;
  dataRate: number;
  /** ID records read with the trial layout. */
  idRecords: number;
  /** ID records whose check verifies with the best parameters found. */
  idCrcOk: number;
  dataRecords?: number;
  dataCrcOk?: number;
}

export interface DetectEvidence {
  /** Pulses measured (first capture). */
  pulses: number;
  /** Peaks of the pulse-width histogram, in ns, largest first. */
  peaks: { ns: number; count: number }[];
  /** The code cell the chosen reading implies, in ns. */
  cellNs: number;
  /** The best (family, data rate) readings of the histogram. */
  readings: { family: Family; dataRate: number; fit: number; coverage: number }[];
  candidates: CandidateEvidence[];
  headerCrc?: CrcEvidence;
  dataCrc?: CrcEvidence;
  /** PLL gains tried after the parameters were found, with the CRC-good records each gave. */
  pll: { kp: number; ki: number; crcOk: number; crcBad: number }[];
  /** What would raise the confidence. */
  missing: string[];
  /** Captures looked at. */
  captures: number;
}

export interface DetectResult {
  /** The detected options merged with the ones given. */
  options: DecodeOptions;
  /** Ready for `-P mfm:` (diskflux or sigrok-cli with the original decoder). */
  optionString: string;
  confidence: Confidence;
  evidence: DetectEvidence;
}

/** Vendor presets per family, in the order ties are broken. */
const FAMILY_PRESETS: Record<Family, readonly FormatName[]> = {
  FM: ["FM"],
  MFM: ["MFM", "RQDX3_badbloks"],
  RLL: ["RLL_WD", "RLL_Seagate", "RLL_Adaptec", "RLL_Adaptec4070", "RLL_OMTI", "RLL_DTC7287_unknown"],
};
const SECTOR_SIZES = [512, 256, 1024, 128, 2048, 4096, 8192, 16384];
/** Data CRC widths to try, most likely first. */
function dataWidths(family: Family, dataRate: number): number[] {
  if (family === "FM" || dataRate < 1_000_000) return [16, 32, 48, 56];
  if (family === "MFM") return [32, 16, 48, 56];
  return [32, 48, 56, 16];
}

interface HeaderTrial {
  preset: FormatName;
  idRecords: number;
  solution?: CrcSolution;
  headerBytes: number;
  good: HeaderReading[];
  /** Set when another byte count verifies as well (a degenerate polynomial): no certain answer. */
  ambiguous?: string;
}

interface DataTrial {
  /** Every ID and data mark led to a record whose check verifies (no PLL retry needed). */
  clean: boolean;
  layout: HeaderFormat;
  sectorSize: number;
  autoSize: boolean;
  dataRecords: number;
  solution?: CrcSolution;
}

interface Context {
  /** Trial decodes made; past maxTrials detection gives up with what it has. */
  trials: number;
  maxTrials: number;
  tracks: EdgeCapture[];
  given: DecodeOptions;
  backend: BackendChoice;
  gf: Gf2Kernel;
}

const hex = (v: bigint, width: number) => "0x" + v.toString(16).padStart(width / 4, "0");

function familyOf(format: string): Family | undefined {
  const p = PRESETS[format as keyof typeof PRESETS];
  return p ? (p.limits === "GCR" ? undefined : p.limits) : undefined;
}

interface TrialRecords {
  /** Records that carry a CRC input (complete up to their check). */
  ids: IdRecord[];
  data: DataRecord[];
  /** ID and data address marks seen. */
  idMarks: number;
  dataMarks: number;
  /** ID records whose check verifies with the options decoded with. */
  idOk: number;
}

/** Decodes every track with these options: the records that carry a CRC input, and the marks seen. */
/** Trial decodes one detection makes at most (a capture built to keep it trying ends here). */
const MAX_TRIALS = 48;

async function trialRecords(ctx: Context, options: DecodeOptions): Promise<TrialRecords> {
  const out: TrialRecords = { ids: [], data: [], idMarks: 0, dataMarks: 0, idOk: 0 };
  if (++ctx.trials > ctx.maxTrials) return out;
  for (const t of ctx.tracks) {
    const r = await decode(t, options, { backend: ctx.backend, keepCrcInputs: true });
    out.idMarks += r.stats.IDAM;
    out.dataMarks += r.stats.DAM + r.stats.DDAM;
    for (const rec of r.records) {
      if (rec.kind === "id" && rec.crc?.ok) out.idOk++;
      if (!rec.crcInput) continue;
      if (rec.kind === "id") out.ids.push(rec);
      else out.data.push(rec);
    }
  }
  return out;
}

function verifies(s: CrcSolution, r: CrcRecord): boolean {
  return crcOf(s.width, s.poly, s.init, r.msg) === checkValue(r.check);
}

/**
 * More verifying records wins; on a tie a known polynomial beats a solved one,
 * then a wider check (a spurious fit is likelier with fewer check bits), then a known init.
 */
function better(a: CrcSolution | undefined, b: CrcSolution | undefined): boolean {
  if (!a) return false;
  if (!b) return true;
  if (a.matches !== b.matches) return a.matches > b.matches;
  const known = (s: CrcSolution) => (s.source === "solved" ? 0 : 1);
  if (known(a) !== known(b)) return known(a) > known(b);
  if (a.width !== b.width) return a.width > b.width;
  return a.knownInit && !b.knownInit;
}

/** The given options that steer detection (auto values and the keys detection sets are left out of the base). */
function baseOptions(ctx: Context): DecodeOptions {
  const base: DecodeOptions = {};
  for (const [k, v] of Object.entries(ctx.given) as [OptionKey, string | number][]) {
    if (!DETECTED_KEYS.has(k)) base[k] = v;
  }
  return base;
}

async function headerTrial(ctx: Context, preset: FormatName, dataRate: number): Promise<HeaderTrial> {
  const g = ctx.given;
  const widths = g.header_crc_size !== undefined ? [Number(g.header_crc_size)] : [16, 32];
  const givenLayout = g.header_format as HeaderFormat | undefined;
  const trialLayout: HeaderFormat = givenLayout ?? "4";
  const trialBytes = HEADER_BYTES[trialLayout];
  const byteCounts = givenLayout ? [trialBytes] : [3, 4];
  const fixed = {
    ...(g.header_crc_poly !== undefined ? { poly: parsePyInt(String(g.header_crc_poly))! } : {}),
    ...(g.header_crc_init !== undefined ? { init: parsePyInt(String(g.header_crc_init))! } : {}),
  };
  let best: HeaderTrial = { preset, idRecords: 0, headerBytes: trialBytes, good: [] };
  // One decode reads the widest check; the narrower width is a split of the same bytes. Only
  // when nothing verifies (a gap that does not decode cuts the wider read short) is the
  // narrower width decoded on its own.
  const widest = Math.max(...widths);
  const reads = [widest, ...widths.filter((w) => w !== widest)];
  for (const [ri, read] of reads.entries()) {
    const { ids } = await trialRecords(ctx, {
      ...baseOptions(ctx), data_rate: dataRate, format: preset, header_format: trialLayout, header_crc_size: read,
      sector_size: g.sector_size !== undefined && g.sector_size !== "auto" ? g.sector_size : 128,
      data_crc_size: 16, data_crc_poly: "0x1021",
    });
    best.idRecords = Math.max(best.idRecords, ids.length);
    if (ids.length === 0) break; // no ID mark decodes with this preset: another check width will not change that
    for (const w of ri === 0 ? widths : [read]) for (const n of byteCounts) {
      const split = ids.map((r) => {
        const b = r.crcInput!;
        const prefix = b.length - trialBytes - read / 8;
        return { prefix, rec: { msg: b.subarray(0, prefix + n), check: b.subarray(prefix + n, prefix + n + w / 8) } };
      }).filter((x) => x.prefix >= 0);
      const s = solveCrc(ctx.gf, w, split.map((x) => x.rec), fixed);
      // A header one byte longer also verifies when the byte after the check is the same on every
      // record: after (M, c0) the register holds (c1, 00), and a constant next byte is met by an
      // init shift (the CRC is affine in the init). That is the shorter layout, not an ambiguity.
      const constantAfter = (m: number, sol: CrcSolution) => {
        const seen = new Set<number>();
        for (const r of ids) {
          const b = r.crcInput!;
          const prefix = b.length - trialBytes - read / 8;
          const at = prefix + m + w / 8;
          if (prefix < 0 || at >= b.length) return false;
          if (verifies(sol, { msg: b.subarray(0, prefix + m), check: b.subarray(prefix + m, at) })) seen.add(b[at]);
        }
        return seen.size === 1;
      };
      if (s && best.solution && s.matches === best.solution.matches && best.headerBytes !== n && best.solution.width === w &&
        !constantAfter(Math.min(n, best.headerBytes), n < best.headerBytes ? s : best.solution)) {
        best.ambiguous = `${best.headerBytes}- and ${n}-byte headers verify equally well with ${hex(best.solution.poly, w)} / ${hex(s.poly, w)}`;
      }
      if (better(s, best.solution)) {
        const good = split.filter((x) => verifies(s!, x.rec)).map((x) => ({
          rec: x.rec.msg.subarray(x.prefix, x.prefix + n),
          mark: x.prefix > 0 ? x.rec.msg[x.prefix - 1] : -1,
        }));
        best = { preset, idRecords: best.idRecords, solution: s, headerBytes: n, good, ...(best.ambiguous ? { ambiguous: best.ambiguous } : {}) };
      }
    }
    if (best.solution && best.solution.confidence !== "low") break;
  }
  if (best.solution && lowWeight(best.solution)) {
    best.ambiguous ??= `the header polynomial ${hex(best.solution.poly, best.solution.width)} has too few terms to tell a 3- from a 4-byte header (a degenerate polynomial)`;
  }
  if (best.ambiguous && best.solution) best.solution = { ...best.solution, confidence: "low" };
  return best;
}

async function dataTrial(ctx: Context, family: Family, dataRate: number, preset: FormatName, header: HeaderTrial): Promise<DataTrial | undefined> {
  const g = ctx.given;
  const h = header.solution!;
  const layouts = g.header_format !== undefined
    ? [{ format: g.header_format as HeaderFormat, len: 512 }]
    : rankLayouts(header.headerBytes, header.good, preset);
  if (layouts.length === 0) return undefined;
  const lens = header.good.length > 0 ? layouts.map((l) => l.len) : [];
  const sizes = g.sector_size !== undefined && g.sector_size !== "auto"
    ? [Number(g.sector_size)]
    : [...new Set([...lens, ...SECTOR_SIZES])].slice(0, 4);
  const widths = g.data_crc_size !== undefined ? [Number(g.data_crc_size)] : dataWidths(family, dataRate);
  const fixed = {
    ...(g.data_crc_poly_custom !== undefined && String(g.data_crc_poly_custom).trim() !== "" ? { poly: parsePyInt(String(g.data_crc_poly_custom))! }
      : g.data_crc_poly !== undefined ? { poly: parsePyInt(String(g.data_crc_poly))! } : {}),
    ...(g.data_crc_init !== undefined ? { init: parsePyInt(String(g.data_crc_init))! } : {}),
  };
  let best: DataTrial | undefined;
  const widest = Math.max(...widths);
  // One decode per size reads the widest check; every narrower width is a split of the same
  // bytes (the message does not depend on the width). Only for the layout's own size, when no
  // split verifies (a gap that does not decode can cut the widest read short), is each width
  // decoded on its own.
  for (const [i, size] of sizes.entries()) {
    const layout = layouts.find((l) => l.len === size) ?? layouts[0];
    const reads = i === 0 && widths.length > 1 ? [widest, ...widths.filter((w) => w !== widest)] : [widest];
    for (const [j, read] of reads.entries()) {
      const { data, idMarks, dataMarks, idOk } = await trialRecords(ctx, {
        ...baseOptions(ctx), data_rate: dataRate, format: preset, header_format: layout.format,
        header_crc_size: h.width, header_crc_poly: hex(h.poly, h.width), header_crc_init: hex(h.init, h.width),
        sector_size: size, data_crc_size: read, data_crc_poly: "0xA00805",
      });
      if (data.length === 0 && i === 0) return undefined; // no data mark decodes with this preset and layout
      for (const w of j === 0 ? widths : [read]) {
        const recs = data.map((r) => {
          const b = r.crcInput!;
          const end = b.length - read / 8 + w / 8;
          return { msg: b.subarray(0, b.length - read / 8), check: b.subarray(b.length - read / 8, end) };
        });
        const s = solveCrc(ctx.gf, w, recs, fixed);
        const clean = idOk === idMarks && data.length === dataMarks && s !== undefined && s.matches === s.total;
        const trial: DataTrial = { clean, layout: layout.format, sectorSize: size, autoSize: layout.len === size, dataRecords: data.length, ...(s ? { solution: s } : {}) };
        if (!best || better(s, best.solution)) best = trial;
        if (s && s.confidence !== "low") return best;
      }
    }
  }
  return best;
}

/** A polynomial with fewer than three terms below x^W (x^16 + 1, say) barely checks anything. */
function lowWeight(s: CrcSolution): boolean {
  let v = s.poly, n = 0;
  while (v) { n += Number(v & 1n); v >>= 1n; }
  return n < 3;
}

function crcEvidence(s: CrcSolution): CrcEvidence {
  return { width: s.width, poly: hex(s.poly, s.width), init: hex(s.init, s.width), matches: s.matches, total: s.total, source: s.source, heldOut: s.heldOut };
}

const RANK: Record<Confidence, number> = { low: 0, medium: 1, high: 2 };
const lowest = (...c: Confidence[]) => c.reduce((a, b) => (RANK[b] < RANK[a] ? b : a), "high" as Confidence);

/**
 * Finds the data rate, encoding, header layout, sector size and the header and
 * data CRC parameters of one or more captures of the same drive.
 *
 * @example
 * const capture = await readCaptureFile("hdd_rll_WD1006V-SR2.sr");
 * const found = await detect(capture);
 * console.log(found.optionString, found.confidence); // data_rate=7500000:format=RLL_WD:… high
 * const result = await decode(capture, found.optionString);
 */
export async function detect(input: Capture | readonly Capture[], partial: string | DecodeOptions = {}, request: DetectRequest = {}): Promise<DetectResult> {
  const all = (Array.isArray(input) ? input : [input]) as readonly Capture[];
  if (all.length === 0) throw new DiskfluxError("E_ARGUMENT", "detect() needs at least one capture");
  const given = splitAutoOptions(partial).fixed;
  resolveOptions(given); // a bad option is the caller's error, before any work
  const backend = request.backend ?? "auto";
  const k = await getKernels(backend);
  const gf = await getGf2Kernel(backend === "auto" ? "auto" : backend);
  const leading = (given.leading_edge as "rising" | "falling" | undefined) ?? "rising";
  const captures = all.slice(0, Math.max(1, request.maxCaptures ?? 8));
  const tracks = captures.map((c) => {
    if (!(c.sampleRate > 0) || !Number.isFinite(c.sampleRate)) {
      throw new DiskfluxError("E_ARGUMENT", "Cannot detect without samplerate: the capture has no valid sample rate");
    }
    return captureEdges(k, c, request.channels, leading);
  });
  // the tracks are edges now: channels were applied when they were extracted
  const ctx: Context = { trials: 0, maxTrials: request.maxTrials ?? MAX_TRIALS, tracks, given, backend, gf };
  const source = captures[0].source ?? "capture";

  // 1. readings of the pulse widths, over every capture (weighted by pulses)
  const hists = tracks.map((t) => pulseHistogram(t.edges, t.sampleRate));
  const pulses = hists.reduce((a, h) => a + h.pulses, 0);
  const combined = new Map<string, RateGuess & { w: number }>();
  hists.forEach((h) => {
    for (const g of h.guesses) {
      const key = `${g.family}@${g.dataRate}`;
      const c = combined.get(key);
      if (c) {
        c.score += g.score * h.pulses; c.fit += g.fit * h.pulses; c.coverage += g.coverage * h.pulses; c.w += h.pulses;
      } else combined.set(key, { ...g, score: g.score * h.pulses, fit: g.fit * h.pulses, coverage: g.coverage * h.pulses, w: h.pulses });
    }
  });
  let readings = [...combined.values()].map((g) => ({ ...g, score: g.score / (g.w || 1), fit: g.fit / (g.w || 1), coverage: g.coverage / (g.w || 1) }));
  readings.sort((a, b) => (Math.abs(a.score - b.score) <= 0.02 ? b.cell - a.cell : b.score - a.score));
  const givenFamily = given.format !== undefined ? familyOf(String(given.format)) : undefined;
  if (given.format === "custom") throw new DiskfluxError("E_OPTION", "format=custom cannot be detected; give the custom_encoder_* options and the other parameters, or let detect choose the format");
  if (givenFamily) readings = readings.filter((r) => r.family === givenFamily);
  if (given.data_rate !== undefined) readings = readings.filter((r) => r.dataRate === Number(given.data_rate));
  const tried = readings.filter((r) => r.score >= 0.3).slice(0, 3);
  if (tried.length === 0 && readings.length > 0) tried.push(readings[0]);

  const evidence: DetectEvidence = {
    pulses,
    peaks: hists[0].peaks.map((p) => ({ ns: Math.round((p.samples / tracks[0].sampleRate) * 1e10) / 10, count: p.count })),
    cellNs: 0,
    readings: readings.slice(0, 4).map((r) => ({ family: r.family, dataRate: r.dataRate, fit: round3(r.fit), coverage: round3(r.coverage) })),
    candidates: [],
    pll: [],
    missing: [],
    captures: captures.length,
  };
  if (pulses < 64) {
    throw new DiskfluxError("E_DETECT", `${source}: no FM/MFM/RLL track: only ${pulses} pulses on the data channel; check the channel and that this is a disk read signal`);
  }

  // 2. header trials per reading and vendor preset, in the family's order; a preset whose every
  //    header and data record verifies ends the search (the presets after it could only tie)
  let reading: RateGuess | undefined;
  let trials: HeaderTrial[] = [];
  const dataTrials = new Map<HeaderTrial, DataTrial | undefined>();
  const complete = (s: CrcSolution | undefined) => s !== undefined && s.confidence === "high" && s.matches === s.total;
  let settled: HeaderTrial | undefined;
  for (const r of tried) {
    const presets = given.format !== undefined ? [given.format as FormatName] : FAMILY_PRESETS[r.family];
    const here: HeaderTrial[] = [];
    for (const p of presets) {
      const t = await headerTrial(ctx, p, r.dataRate);
      here.push(t);
      evidence.candidates.push({ format: t.preset, dataRate: r.dataRate, idRecords: t.idRecords, idCrcOk: t.solution?.matches ?? 0 });
      if (complete(t.solution) && !t.ambiguous) {
        const d = await dataTrial(ctx, r.family, r.dataRate, t.preset, t);
        dataTrials.set(t, d);
        if (complete(d?.solution)) {
          settled = t;
          break;
        }
      }
    }
    if (here.some((t) => t.idRecords > 0)) {
      reading = r;
      trials = here;
      break;
    }
  }
  if (!reading) {
    const c = readings[0];
    const closest = c ? `${c.family} at ${c.dataRate} b/s fits ${(c.fit * 100).toFixed(0)}% of the pulses but no address mark decoded` : "no reading fits";
    const gaveUp = ctx.trials > ctx.maxTrials ? ` (gave up after ${ctx.maxTrials} trial decodes)` : "";
    throw new DiskfluxError("E_DETECT", `${source}: no FM/MFM/RLL track found${gaveUp} (closest: ${closest}); check the data channel, or give data_rate and format`);
  }
  evidence.cellNs = Math.round((reading.cell / tracks[0].sampleRate) * 1e10) / 10;
  const family = reading.family;
  const dataRate = reading.dataRate;

  const withCrc = trials.filter((t) => t.solution).sort((a, b) => b.solution!.matches - a.solution!.matches);
  const out: Record<string, string | number> = { data_rate: dataRate };
  let confidence: Confidence;
  if (withCrc.length === 0) {
    // marks but no check that verifies: the most marks wins, at low confidence
    const t = [...trials].sort((a, b) => b.idRecords - a.idRecords)[0];
    out.format = t.preset;
    out.header_format = (given.header_format as string | undefined) ?? PRESET_HEADER[t.preset];
    evidence.missing.push(`no CRC polynomial and init verify the ${t.idRecords} ID records read with format ${t.preset} (an undeciphered format, or damaged records)`);
    confidence = "low";
    return finish(ctx, out, confidence, evidence);
  }

  // 3. data trials for the presets whose headers verify best (unless one settled it)
  const top = settled ? [settled] : withCrc.filter((t) => t.solution!.matches >= withCrc[0].solution!.matches * 0.8).slice(0, 3);
  let chosen: { header: HeaderTrial; data?: DataTrial } | undefined;
  let bestScore = -1;
  for (const t of top) {
    const d = dataTrials.has(t) ? dataTrials.get(t) : await dataTrial(ctx, family, dataRate, t.preset, t);
    const cand = evidence.candidates.find((c) => c.format === t.preset && c.dataRate === dataRate);
    if (cand && d) {
      cand.dataRecords = d.dataRecords;
      cand.dataCrcOk = d.solution?.matches ?? 0;
    }
    const score = t.solution!.matches + (d?.solution?.matches ?? 0);
    if (score > bestScore) {
      bestScore = score;
      chosen = { header: t, ...(d ? { data: d } : {}) };
    }
  }
  const h = chosen!.header;
  const hs = h.solution!;
  out.format = h.preset;
  const d = chosen!.data;
  const layout = d?.layout ?? (given.header_format as HeaderFormat | undefined) ?? rankLayouts(h.headerBytes, h.good, h.preset)[0]?.format ?? PRESET_HEADER[h.preset];
  out.header_format = layout;
  out.header_crc_size = hs.width;
  out.header_crc_poly = hex(hs.poly, hs.width);
  out.header_crc_init = hex(hs.init, hs.width);
  evidence.headerCrc = crcEvidence(hs);
  confidence = hs.confidence;
  if (d?.solution) {
    const ds = d.solution;
    if (!d.autoSize || (given.sector_size !== undefined && given.sector_size !== "auto")) out.sector_size = d.sectorSize;
    out.data_crc_size = ds.width;
    out.data_crc_init = hex(ds.init, ds.width);
    out.data_crc_poly = hex(ds.poly, ds.width);
    evidence.dataCrc = crcEvidence(ds);
    confidence = lowest(confidence, ds.confidence);
    if (ds.width !== hs.width && ds.poly === hs.poly) {
      evidence.missing.push("header and data polynomials are equal at different widths: the original decoder then checks data with the header's table (spec §5.4)");
      confidence = "low";
    }
  } else {
    evidence.missing.push(d ? `no data CRC verifies (${d.dataRecords} data records read)` : "no data records read");
    confidence = lowest(confidence, "medium");
  }
  if (h.ambiguous) evidence.missing.push(h.ambiguous);
  for (const [what, c] of [["header", hs], ["data", d?.solution]] as const) {
    if (c?.alternatives) evidence.missing.push(`${c.alternatives + 1} ${what} polynomials fit every record equally (the records differ in too few bits); captures of other tracks would tell them apart`);
  }
  if (hs.matches < 3) evidence.missing.push(`only ${hs.matches} ID record(s) verify; more sectors or captures of the same drive would confirm the header CRC`);
  if (layout === "3" && h.good.length === 0) confidence = "low";
  return finish(ctx, out, confidence, evidence, d?.clean === true);
}

/** Retries other PLL gains when records still fail, then builds the result. */
async function finish(ctx: Context, detected: Record<string, string | number>, confidence: Confidence, evidence: DetectEvidence, clean = false): Promise<DetectResult> {
  const g = ctx.given;
  const score = async (extra: Record<string, string | number>) => {
    const options = { ...detected, ...baseOptions(ctx), ...extra } as DecodeOptions;
    let ok = 0, bad = 0;
    for (const t of ctx.tracks) {
      const r = await decode(t, formatOptionString(options), { backend: ctx.backend });
      ok += r.stats.CRC_OK;
      bad += r.stats.CRC_err;
    }
    return { ok, bad };
  };
  // a clean data trial already decoded with these options: every record verified, no retry to make
  if (detected.header_crc_poly !== undefined && g.pll_kp === undefined && g.pll_ki === undefined && !clean) {
    const base = await score({});
    evidence.pll.push({ kp: 0.5, ki: 0.0005, crcOk: base.ok, crcBad: base.bad });
    if (base.bad > 0) {
      let best = base, bestKp: number | undefined;
      for (const kp of [1, 0.25]) {
        const s = await score({ pll_kp: kp });
        evidence.pll.push({ kp, ki: 0.0005, crcOk: s.ok, crcBad: s.bad });
        if (s.ok > best.ok) {
          best = s;
          bestKp = kp;
        }
      }
      if (bestKp !== undefined) detected.pll_kp = bestKp;
    }
  }
  if (ctx.trials > ctx.maxTrials) {
    evidence.missing.push(`gave up after ${ctx.maxTrials} trial decodes: the answer is the best found by then`);
    confidence = lowest(confidence, "medium");
  }
  const options = { ...baseOptions(ctx), ...detected } as DecodeOptions;
  return { options, optionString: formatOptionString(options), confidence, evidence };
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
