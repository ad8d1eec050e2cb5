// `diskflux synth`: synthesized tracks with known sectors (src/encode/synth.ts)
// written as .sr, .tr or .vcd, with the option string that decodes them.
//
//   diskflux synth --format MFM --cyl 0 --head 0 --sectors 17 --size 512 --rate 100e6 --jitter 0.02 --seed 1 -o out.sr
//   diskflux synth --format MFM --cyl 0-4 --head 0-1 --bad 3 --missing 7 -o disk.tr
//   diskflux synth --format MFM --data-crc-size 48 --data-crc-poly 0x181814503011 --data-crc-init 0 -o ecc.sr

import { DiskfluxError } from "../errors.js";
import { quoteArg } from "../escape.js";
import { extensionOf, intArg, listArg, numArg, parseCommand, rateArg, runCommand, writeFileBytes, writeFilePieces } from "./run.js";

export const SYNTH_USAGE = `usage: diskflux synth --format FM|MFM|MFM_floppy|MFM_WD|RLL_WD|RLL_Seagate -o <out.sr|out.tr|out.vcd> [options]
  --cyl N|A-B --head N|A-B   track(s) to make (default 0 0); several tracks need a .tr output
                             or {cyl}/{head} in the output name. As far as the ID header
                             holds them: cyl 0-255 head 0-255 (FM, MFM, MFM_floppy),
                             cyl 0-2047 head 0-15 (MFM_WD, RLL_WD), cyl 0-1023 head 0-15 (RLL_Seagate);
                             tracks are made and written one at a time
  --sectors N --size N       sectors per track and bytes per sector (default per format)
  --first-sector N           number of the first sector (default per format: 0 or 1)
  --rate HZ                  sample rate (default per format; 200 MHz for .tr)
  --data-rate BPS            data rate (default per format)
  --jitter CELLS --drift REL edge jitter (std. dev. in cells) and speed drift over the track
  --seed N                   payloads and jitter; track (c, h) uses seed + 64c + h (default 1)
  --bad LIST                 sectors written with a bad data CRC (e.g. 3 or 1,5-6)
  --bad-id LIST              sectors written with a bad ID CRC
  --missing LIST             sectors written without a data field
  --index-pulse              add an index pulse on channel 1 (.sr, .vcd)
  --index-mark               write an index address mark (FM, MFM formats)
  --header-crc-size 16|32    header CRC width, polynomial (low bits, x^W implied, odd)
  --header-crc-poly HEX      and init (0x1021, 4129, 0b…: Python int(x, 0)); each part
  --header-crc-init HEX      left out keeps the format's (an all-ones init stays all ones)
  --data-crc-size 16|32|48|56
  --data-crc-poly HEX        data CRC likewise; the printed options spell the CRCs out
  --data-crc-init HEX        (a header and data poly that are equal need equal widths)`;

type Out = NodeJS.WritableStream;

interface Crc<W extends number> {
  width: W;
  poly: bigint;
  init: bigint;
}

/**
 * --{which}-crc-size/poly/init: undefined when none is given, else the format's
 * CRC with the given parts replaced. An omitted init that is all ones at the
 * format's width stays all ones at the new width.
 */
function crcArgs<W extends number>(
  which: "header" | "data",
  widths: readonly W[],
  def: { readonly width: number; readonly poly: bigint; readonly init: bigint },
  text: { size?: string; poly?: string; init?: string },
  parsePyInt: (s: string) => bigint | undefined,
): Crc<W> | undefined {
  if (text.size === undefined && text.poly === undefined && text.init === undefined) return undefined;
  const flag = (part: string) => `--${which}-crc-${part}`;
  const int = (part: string, t: string): bigint => {
    const v = parsePyInt(t);
    if (v === undefined || v < 0n) throw new DiskfluxError("E_USAGE", `${flag(part)} must be a non-negative integer such as 0x1021 or 4129, not ${quoteArg(String(t))}`);
    return v;
  };
  let width = def.width as W;
  if (text.size !== undefined) {
    const w = widths.find((x) => String(x) === text.size!.trim());
    if (w === undefined) throw new DiskfluxError("E_USAGE", `${flag("size")} must be ${widths.join(", ").replace(/, (\d+)$/, " or $1")}, not ${quoteArg(String(text.size))}`);
    width = w;
  }
  const mask = (bits: number) => (1n << BigInt(bits)) - 1n;
  let poly = def.poly;
  if (text.poly !== undefined) {
    poly = int("poly", text.poly);
    if ((poly & 1n) === 0n) {
      throw new DiskfluxError("E_USAGE", `${flag("poly")} ${text.poly} is even: a CRC polynomial needs its +1 term (bit 0 set), e.g. 0x${(poly | 1n).toString(16)}`);
    }
  }
  const init = text.init !== undefined ? int("init", text.init) : def.init === mask(def.width) ? mask(width) : def.init;
  return { width, poly: poly & mask(width), init: init & mask(width) };
}

/** Largest cylinder and head number each sector ID header layout can hold. */
const HEADER_LIMITS: Readonly<Record<string, { readonly cyl: number; readonly head: number }>> = {
  "4": { cyl: 255, head: 255 },
  "3": { cyl: 2047, head: 15 },
  Seagate: { cyl: 1023, head: 15 },
};

function rangeArg(name: string, text: string | undefined, max: number, what: string): number[] {
  if (text === undefined) return [0];
  const values = [...new Set(listArg(name, text, 65535)!)].sort((a, b) => a - b);
  const top = values[values.length - 1];
  if (top > max) {
    const unit = name === "--cyl" ? "cylinder" : "head";
    throw new DiskfluxError("E_USAGE", `${name} ${quoteArg(text)}: ${unit} ${top} is past ${max}, the highest ${unit} ${what} can hold`);
  }
  return values;
}

export async function synthCommand(argv: string[], out: Out = process.stdout, err: Out = process.stderr): Promise<number> {
  return runCommand(argv, err, async () => {
    const { values, positionals } = parseCommand("synth", argv, {
      format: { type: "string" },
      output: { type: "string", short: "o" },
      cyl: { type: "string" },
      head: { type: "string" },
      sectors: { type: "string" },
      size: { type: "string" },
      "first-sector": { type: "string" },
      rate: { type: "string" },
      "data-rate": { type: "string" },
      jitter: { type: "string" },
      drift: { type: "string" },
      seed: { type: "string" },
      bad: { type: "string" },
      "bad-id": { type: "string" },
      missing: { type: "string" },
      "index-pulse": { type: "boolean" },
      "index-mark": { type: "boolean" },
      "header-crc-size": { type: "string" },
      "header-crc-poly": { type: "string" },
      "header-crc-init": { type: "string" },
      "data-crc-size": { type: "string" },
      "data-crc-poly": { type: "string" },
      "data-crc-init": { type: "string" },
    });
    if (values.help) {
      out.write(SYNTH_USAGE + "\n");
      return 0;
    }
    if (positionals.length > 0) throw new DiskfluxError("E_USAGE", `unexpected ${quoteArg(String(positionals[0]))}; synth writes to -o <file>, see 'diskflux synth --help'`);
    const { SYNTH_FORMATS, SYNTH_FORMAT_NAMES } = await import("../encode/track.js");
    const { synthTrack, defaultSectors } = await import("../encode/synth.js");
    const format = values.format;
    if (format === undefined || !(SYNTH_FORMAT_NAMES as readonly string[]).includes(format)) {
      throw new DiskfluxError("E_USAGE", `--format must be one of ${SYNTH_FORMAT_NAMES.join(", ")}${format === undefined ? "" : `, not ${quoteArg(String(format))}`}`);
    }
    const fmt = SYNTH_FORMATS[format as keyof typeof SYNTH_FORMATS];
    const output = values.output;
    if (output === undefined) throw new DiskfluxError("E_USAGE", "synth needs an output file: -o out.sr, out.tr or out.vcd");
    const ext = extensionOf(output);
    if (ext !== ".sr" && ext !== ".tr" && ext !== ".vcd") throw new DiskfluxError("E_USAGE", `${output}: the output must end in .sr, .tr or .vcd (it picks the format)`);
    // Per format, the cylinders and heads its sector ID header can hold (track.ts idField):
    // header_format 4 (FM, MFM, MFM_floppy): one byte each, cyl 0-255, head 0-255;
    // header_format 3 (RLL_WD): 11-bit cylinder (bits 8-10 in the ID mark), head 0-15;
    // Seagate (RLL_Seagate): 10-bit cylinder, head 0-15.
    const limits = HEADER_LIMITS[fmt.headerFormat];
    const cyls = rangeArg("--cyl", values.cyl, limits.cyl, `${fmt.name}'s ID header (header_format ${fmt.headerFormat})`);
    const heads = rangeArg("--head", values.head, limits.head, `${fmt.name}'s ID header (header_format ${fmt.headerFormat})`);
    const trackCount = cyls.length * heads.length;
    const placeholders = /\{(?:cyl|head)\}/.test(output);
    if (trackCount > 1 && ext !== ".tr" && !placeholders) {
      throw new DiskfluxError("E_USAGE", `${trackCount} tracks need a .tr output, or {cyl} and {head} in the output name`);
    }
    const sectorsPerTrack = intArg("--sectors", values.sectors, 0, 256);
    const sectorSize = intArg("--size", values.size, 128, 16384);
    const firstSector = intArg("--first-sector", values["first-sector"], 0, 255);
    const sampleRate = rateArg("--rate", values.rate) ?? (ext === ".tr" ? 200_000_000 : undefined);
    const dataRate = rateArg("--data-rate", values["data-rate"]);
    const jitter = numArg("--jitter", values.jitter, 0, 1);
    const drift = numArg("--drift", values.drift, 0, 0.5);
    const seed = intArg("--seed", values.seed, 0, 2 ** 31) ?? 1;
    const bad = new Set(listArg("--bad", values.bad, 255) ?? []);
    const badId = new Set(listArg("--bad-id", values["bad-id"], 255) ?? []);
    const missing = new Set(listArg("--missing", values.missing, 255) ?? []);
    const { parsePyInt } = await import("../options.js");
    const headerCrc = crcArgs("header", [16, 32] as const, fmt.headerCrc,
      { size: values["header-crc-size"], poly: values["header-crc-poly"], init: values["header-crc-init"] }, parsePyInt);
    const dataCrc = crcArgs("data", [16, 32, 48, 56] as const, fmt.dataCrc,
      { size: values["data-crc-size"], poly: values["data-crc-poly"], init: values["data-crc-init"] }, parsePyInt);

    // One track at a time: made, written, dropped (a whole drive never sits in memory).
    const makeTrack = (cyl: number, head: number) => {
      const trackSeed = seed + 64 * cyl + head;
      const base = {
        cyl, head, seed: trackSeed,
        ...(sectorsPerTrack !== undefined ? { sectorsPerTrack } : {}),
        ...(sectorSize !== undefined ? { sectorSize } : {}),
        ...(firstSector !== undefined ? { firstSector } : {}),
      };
      const sectors = defaultSectors(fmt, base).map((s) => ({
        ...s,
        ...(bad.has(s.sec) ? { badDataCrc: true } : {}),
        ...(badId.has(s.sec) ? { badIdCrc: true } : {}),
        ...(missing.has(s.sec) ? { missingData: true } : {}),
      }));
      return synthTrack({
        format: fmt.name, sectors, seed: trackSeed,
        ...(sampleRate !== undefined ? { sampleRate } : {}),
        ...(dataRate !== undefined ? { dataRate } : {}),
        ...(jitter !== undefined ? { jitter } : {}),
        ...(drift !== undefined ? { drift } : {}),
        ...(values["index-pulse"] ? { indexPulse: true } : {}),
        ...(values["index-mark"] ? { indexMark: true } : {}),
        ...(headerCrc ? { headerCrc } : {}),
        ...(dataCrc ? { dataCrc } : {}),
      });
    };
    function* tracks() {
      for (const cyl of cyls) for (const head of heads) yield { cyl, head };
    }

    // The first track: its options and a description for the note and the report.
    const first = makeTrack(cyls[0], heads[0]);
    const rate = first.capture.sampleRate;
    const n = first.expected.length;
    const size = first.expected[0]?.size ?? sectorSize ?? fmt.defaults.sectorSize;
    const notes = [
      bad.size ? `bad data CRC: ${[...bad].join(",")}` : "",
      badId.size ? `bad ID CRC: ${[...badId].join(",")}` : "",
      missing.size ? `no data field: ${[...missing].join(",")}` : "",
    ].filter(Boolean);
    const what = `${fmt.name}, ${n} sectors x ${size} bytes per track, ${rate / 1e6} MHz${notes.length ? ` (${notes.join("; ")})` : ""}`;
    const span = (v: number[]) => (v.length === 1 ? `${v[0]}` : `${v[0]}-${v[v.length - 1]}`);
    if (ext === ".tr") {
      const { writeTrStream } = await import("../writers/tr.js");
      // The header's command-line field is for mfm_read options (mfm_util parses it):
      // the default, the geometry, is true for this file. diskflux's own words go in the note.
      const geometry = { cylinders: cyls[cyls.length - 1] + 1, heads: heads[heads.length - 1] + 1 };
      const note = `diskflux synth: ${what}; cyl ${span(cyls)}, head ${span(heads)}; decode with diskflux -P mfm:${first.options}`;
      // one track made and written at a time, into a temporary file renamed at the end (writeFilePieces)
      function* made() {
        let k = 0;
        for (const t of tracks()) yield { ...t, capture: (k++ === 0 ? first : makeTrack(t.cyl, t.head)).edges };
      }
      let count = 0;
      await writeFilePieces(output, async (put) => {
        count = (await writeTrStream(made(), put, { ...geometry, note })).tracks;
      });
      out.write(`${output}: ${count} track${count === 1 ? "" : "s"} (cyl ${span(cyls)}, head ${span(heads)}), ${what}\n`);
    } else {
      const { writeSigrok } = await import("../writers/sigrok.js");
      const { writeVcd } = await import("../writers/vcd.js");
      let count = 0;
      for (const t of tracks()) {
        const r = count === 0 ? first : makeTrack(t.cyl, t.head);
        count++;
        const name = output.replace(/\{cyl\}/g, String(t.cyl)).replace(/\{head\}/g, String(t.head));
        await writeFileBytes(name, ext === ".sr" ? writeSigrok(r.capture) : writeVcd(r.capture));
        out.write(`${name}: cyl ${t.cyl} head ${t.head}, ${what}\n`);
      }
    }
    out.write(`decode with: -P mfm:${first.options}\n`);
    return 0;
  });
}
