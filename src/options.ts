// Decoder options: the sigrok-style option string (`data_rate=5000000:format=MFM`)
// or a typed object with the same keys, validated and resolved. Spec §2.1.
import { quoteArg } from "./escape.js";
import { DiskfluxError } from "./errors.js";
import {
  FORMATS, HEADER_FORMATS, HEADER_BYTES, LIMITS, PRESETS, markBases,
  type Codemap, type FormatName, type HeaderFormat, type Limits, type MarkLists, type MarkSet, type Preset,
} from "./presets.js";

/** Every option of the original decoder with its allowed values (undefined = free). */
const OPTION_TABLE = {
  leading_edge: { def: "rising", values: ["rising", "falling"] },
  data_rate: { def: "5000000", values: ["125000", "150000", "250000", "300000", "500000", "5000000", "7500000", "10000000"] },
  format: { def: "MFM", values: FORMATS as readonly string[] },
  header_format: { def: "4", values: HEADER_FORMATS as readonly string[] },
  sector_size: { def: "auto", values: ["auto", "128", "256", "512", "1024", "2048", "4096", "8192", "16384"] },
  header_crc_size: { def: "16", values: ["16", "32"] },
  header_crc_poly: { def: "0x1021" },
  header_crc_init: { def: "0xffffffff" },
  data_crc_size: { def: "32", values: ["16", "32", "48", "56"] },
  data_crc_poly: { def: "0xA00805", values: ["0x1021", "0xA00805", "0x140a0445", "0x0104c981", "0x41044185", "0x181814503011", "0x140a0445000101"] },
  data_crc_poly_custom: { def: "" },
  data_crc_init: { def: "0xffffffffffffff" },
  time_unit: { def: "ns", values: ["ns", "us", "auto", "window"] },
  dsply_sn: { def: "no", values: ["yes", "no"] },
  report: { def: "no", values: ["no", "Index", "IAM", "IDAM", "DAM", "DDAM"] },
  report_qty: { def: "1" },
  decoder: { def: "PLL", values: ["PLL", "legacy"] },
  pll_sync_tolerance: { def: "25%", values: ["15%", "20%", "25%", "33%", "50%"] },
  pll_kp: { def: "0.5" },
  pll_ki: { def: "0.0005" },
  dsply_pfx: { def: "no", values: ["yes", "no"] },
  custom_encoder_limits: { def: "RLL", values: ["FM", "MFM", "RLL"] },
  custom_encoder_codemap: { def: "IBM", values: ["FM/MFM", "IBM", "WD"] },
  custom_encoder_sync_pulse: { def: "4", values: ["2", "3", "4"] },
  custom_encoder_sync_marks: { def: "" },
  custom_encoder_shift_index: { def: "" },
  custom_encoder_IDData_mark: { def: "" },
  custom_encoder_ID_mark: { def: "" },
  custom_encoder_Data_mark: { def: "" },
  custom_encoder_ID_prefix_mark: { def: "" },
  custom_encoder_nop_mark: { def: "" },
  custom_encoder_nop_A1_mark: { def: "" },
} as const satisfies Record<string, { def: string; values?: readonly string[] }>;

export type OptionKey = keyof typeof OPTION_TABLE;
/**
 * Every option key the decoder takes (those of sigrok's mfm decoder), in its order.
 *
 * @example
 * import { OPTION_KEYS } from "diskflux";
 * console.log(OPTION_KEYS.join(", ")); // leading_edge, data_rate, format, header_format, sector_size, …
 * const unknown = ["data_rate", "datarate"].filter((k) => !(OPTION_KEYS as readonly string[]).includes(k)); // ["datarate"]
 */
export const OPTION_KEYS = Object.keys(OPTION_TABLE) as OptionKey[];

/** Options as the user gives them: sigrok keys, string or number values. */
export type DecodeOptions = { [K in OptionKey]?: string | number };

export interface ResolvedOptions {
  leadingEdge: "rising" | "falling";
  dataRate: number;
  format: FormatName;
  headerFormat: HeaderFormat;
  headerBytes: number;
  /** 0 = auto */
  sectorSize: number;
  headerCrc: CrcParams;
  dataCrc: CrcParams;
  /** Spec §5.4 quirk: the data CRC uses the header table when the polynomials are equal. */
  dataUsesHeaderTable: boolean;
  timeUnit: "ns" | "us" | "auto" | "window";
  dsplySn: boolean;
  report: "no" | "Index" | "IAM" | "IDAM" | "DAM" | "DDAM";
  reportQty: number;
  decoder: "PLL" | "legacy";
  syncTolerance: number;
  kp: number;
  ki: number;
  dsplyPfx: boolean;
  preset: Preset;
  /** B_i per sync mark (§4.4). */
  markBases: number[];
  /** The option values as strings, for display. */
  raw: Record<OptionKey, string>;
}

export interface CrcParams {
  bits: number;
  /** Masked to the width. */
  poly: bigint;
  init: bigint;
}

/**
 * Parses `key=value:key=value` (the part after `-P mfm:`).
 *
 * @example
 * import { parseOptionString, resolveOptions } from "diskflux";
 * const given = parseOptionString("mfm:data_rate=5000000:format=MFM:header_format=3");
 * // { data_rate: "5000000", format: "MFM", header_format: "3" }: values stay strings, nothing is checked yet
 * const options = resolveOptions({ ...given, sector_size: 512 });
 */
export function parseOptionString(s: string): DecodeOptions {
  const out: Record<string, string> = {};
  let text = s.trim();
  if (text.startsWith("mfm:")) text = text.slice(4);
  else if (text === "mfm") text = "";
  if (text === "") return out;
  for (const part of text.split(":")) {
    const eq = part.indexOf("=");
    if (eq <= 0) throw new DiskfluxError("E_OPTION", `option ${quoteArg(String(part))} is not of the form key=value; write e.g. data_rate=5000000:format=MFM`);
    out[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return out as DecodeOptions;
}

/** Python int(x, 0): 0x/0o/0b prefixes, decimal without leading zeros, underscores between digits. */
export function parsePyInt(text: string): bigint | undefined {
  const s = text.trim();
  const m = /^([+-]?)(0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|[1-9](?:_?[0-9])*|0(?:_?0)*)$/.exec(s);
  if (!m) return undefined;
  let body = m[2].replace(/_/g, "");
  let v: bigint;
  if (/^0[oO]/.test(body)) v = BigInt("0o" + body.slice(2));
  else if (/^0[bB]/.test(body)) v = BigInt("0b" + body.slice(2));
  else v = BigInt(body);
  body = "";
  return m[1] === "-" ? -v : v;
}

function optionError(key: string, value: string, values: readonly string[]): DiskfluxError {
  return new DiskfluxError("E_OPTION", `${quoteArg(String(value))} is not an allowed value for ${quoteArg(String(key))}; allowed values are: ${values.join(", ")}`);
}

function intOption(key: string, value: string): bigint {
  const v = parsePyInt(value);
  if (v === undefined) throw new DiskfluxError("E_OPTION", `${quoteArg(String(value))} is not an integer for ${quoteArg(String(key))}; write it like 0x1021 or 4129`);
  return v;
}

function floatOption(key: string, value: string): number {
  const v = Number(value);
  if (value.trim() === "" || !Number.isFinite(v)) throw new DiskfluxError("E_OPTION", `${quoteArg(String(value))} is not a number for ${quoteArg(String(key))}`);
  return v;
}

/** Splits the custom list syntax of §2.1 into groups of integers. */
export function parseGroups(text: string): bigint[][] {
  let s = text.replace(/ /g, "");
  if (/[[,\]]/.test(s)) s = s.replace(/\],\[/g, "_").replace(/\]\[/g, "_").replace(/[[\]]/g, "").replace(/,/g, "-");
  return s.split("_").map((g) =>
    g.split("-").filter((x) => x !== "").map((x) => {
      const v = parsePyInt(x);
      if (v === undefined) throw new DiskfluxError("E_OPTION", `${quoteArg(String(x))} in ${quoteArg(String(text))} is not an integer; custom lists look like 8-3-5_5-8-3-5 or 0xA1`);
      return v;
    }),
  );
}

function parseMarkSet(key: string, text: string): MarkSet {
  if (text.includes("*")) return "*";
  const groups = parseGroups(text);
  if (groups.length !== 1) return [];
  return groups[0].map((v) => {
    if (v < 0n || v > 255n) throw new DiskfluxError("E_OPTION", `${quoteArg(String(v))} in ${key} is not a byte value (0..255)`);
    return Number(v);
  });
}

function customPreset(raw: Record<OptionKey, string>): Preset {
  const limits = raw.custom_encoder_limits as Limits;
  const codemap: Codemap = limits === "FM" || limits === "MFM" ? "FM/MFM" : (raw.custom_encoder_codemap as Codemap);
  const syncMarks = parseGroups(raw.custom_encoder_sync_marks).filter((g) => g.length > 0).map((g) => g.map(Number));
  const shiftText = raw.custom_encoder_shift_index;
  const shiftIndex = shiftText.includes("*") ? [] : (() => {
    const g = parseGroups(shiftText);
    return g.length === 1 ? g[0].map(Number) : [];
  })();
  const marks: MarkLists = {
    IDData_mark: parseMarkSet("custom_encoder_IDData_mark", raw.custom_encoder_IDData_mark),
    ID_mark: parseMarkSet("custom_encoder_ID_mark", raw.custom_encoder_ID_mark),
    Data_mark: parseMarkSet("custom_encoder_Data_mark", raw.custom_encoder_Data_mark),
    ID_prefix_mark: parseMarkSet("custom_encoder_ID_prefix_mark", raw.custom_encoder_ID_prefix_mark),
    nop_mark: parseMarkSet("custom_encoder_nop_mark", raw.custom_encoder_nop_mark),
    nop_A1_mark: parseMarkSet("custom_encoder_nop_A1_mark", raw.custom_encoder_nop_A1_mark),
  };
  return { limits, codemap, syncPulse: Number(raw.custom_encoder_sync_pulse), syncMarks, shiftIndex, marks };
}

function crcParams(bits: number, poly: bigint, init: bigint): CrcParams {
  const mask = (1n << BigInt(bits)) - 1n;
  return { bits, poly: poly & mask, init: init & mask };
}

/**
 * Validates options (string or object) and fills in every default. Throws DiskfluxError E_OPTION.
 *
 * @example
 * import { resolveOptions } from "diskflux";
 * const o = resolveOptions("data_rate=5000000:format=MFM:header_format=3");
 * console.log(o.dataRate, o.headerBytes, o.dataCrc.bits, o.dataCrc.poly.toString(16)); // 5000000 3 32 a00805
 * const fm = resolveOptions({ data_rate: 125000, format: "FM", data_crc_size: 16, data_crc_poly: "0x1021" });
 */
export function resolveOptions(input: string | DecodeOptions = {}): ResolvedOptions {
  const given = typeof input === "string" ? parseOptionString(input) : input;
  const raw = {} as Record<OptionKey, string>;
  for (const key of OPTION_KEYS) raw[key] = OPTION_TABLE[key].def;
  for (const [key, value] of Object.entries(given)) {
    if (value === undefined) continue;
    if (!(key in OPTION_TABLE)) {
      throw new DiskfluxError("E_OPTION", `unknown option ${quoteArg(String(key))} for decoder mfm; valid options: ${OPTION_KEYS.join(", ")}`);
    }
    const k = key as OptionKey;
    const text = String(value);
    const spec = OPTION_TABLE[k] as { def: string; values?: readonly string[] };
    if (spec.values && !spec.values.includes(text)) throw optionError(k, text, spec.values);
    raw[k] = text;
  }

  const format = raw.format as FormatName;
  const preset = format === "custom" ? customPreset(raw) : PRESETS[format];
  const bases = markBases(preset.syncMarks, preset.shiftIndex);
  if (bases === undefined) {
    throw new DiskfluxError("E_OPTION",
      "Mistmatched number of shift_index defined. Requires either one common or equal number to sync_marks variants.");
  }
  for (const m of preset.syncMarks) {
    if (m.length > 38) throw new DiskfluxError("E_OPTION", `a sync mark of ${m.length} pulses is longer than the 38 diskflux supports`);
  }
  if (preset.syncMarks.length > 8) throw new DiskfluxError("E_OPTION", `${preset.syncMarks.length} sync marks given; diskflux supports up to 8`);

  const headerFormat = raw.header_format as HeaderFormat;
  const hBits = Number(raw.header_crc_size);
  const dBits = Number(raw.data_crc_size);
  const headerCrc = crcParams(hBits, intOption("header_crc_poly", raw.header_crc_poly), intOption("header_crc_init", raw.header_crc_init));
  const customPoly = raw.data_crc_poly_custom.trim();
  const dataPolyRaw = customPoly !== ""
    ? intOption("data_crc_poly_custom", customPoly) & ((1n << BigInt(dBits)) - 1n)
    : intOption("data_crc_poly", raw.data_crc_poly);
  const dataCrc = crcParams(dBits, dataPolyRaw, intOption("data_crc_init", raw.data_crc_init));
  let reportQty = Number(intOption("report_qty", raw.report_qty));
  if (reportQty < 1) reportQty = 1;

  return {
    leadingEdge: raw.leading_edge as "rising" | "falling",
    dataRate: floatOption("data_rate", raw.data_rate),
    format,
    headerFormat,
    headerBytes: HEADER_BYTES[headerFormat],
    sectorSize: raw.sector_size === "auto" ? 0 : Number(raw.sector_size),
    headerCrc,
    dataCrc,
    dataUsesHeaderTable: headerCrc.poly === dataPolyRaw,
    timeUnit: raw.time_unit as ResolvedOptions["timeUnit"],
    dsplySn: raw.dsply_sn === "yes",
    report: raw.report as ResolvedOptions["report"],
    reportQty,
    decoder: raw.decoder as "PLL" | "legacy",
    syncTolerance: Number(raw.pll_sync_tolerance.replace("%", "")) / 100,
    kp: floatOption("pll_kp", raw.pll_kp),
    ki: floatOption("pll_ki", raw.pll_ki),
    dsplyPfx: raw.dsply_pfx === "yes",
    preset,
    markBases: bases,
    raw,
  };
}

/**
 * resolveOptions for decode() and annotation streams: an option string the same as the last one gives the
 * same object, frozen (a drive's tracks are decoded one call each with one string;
 * resolving it took ~2 % of a `.tr` image). Objects are resolved afresh.
 */
export function resolveOptionsShared(input: string | DecodeOptions = {}): ResolvedOptions {
  if (typeof input !== "string") return resolveOptions(input);
  if (input === lastText && lastResolved) return lastResolved;
  const resolved = freezeResolved(resolveOptions(input));
  lastText = input;
  lastResolved = resolved;
  return resolved;
}

let lastText: string | undefined;
let lastResolved: ResolvedOptions | undefined;

/**
 * parseOptionString likewise: the same string as the last one gives the same
 * object, frozen (decode() hands it to recovery for each of a drive's tracks:
 * 0.3–1.2 % of a profile; recovery spreads it, never writes it).
 */
export function parseOptionStringShared(text: string): DecodeOptions {
  if (text !== lastParsedText || lastParsed === undefined) {
    lastParsed = Object.freeze(parseOptionString(text));
    lastParsedText = text;
  }
  return lastParsed;
}

let lastParsedText: string | undefined;
let lastParsed: DecodeOptions | undefined;

/** Freezes what resolveOptions made for this call (the preset is a shared table entry either way). */
function freezeResolved(o: ResolvedOptions): ResolvedOptions {
  for (const part of [o.raw, o.headerCrc, o.dataCrc, o.markBases]) Object.freeze(part);
  return Object.freeze(o);
}

/** Allowed cell counts of the resolved preset. */
export function allowedCells(o: ResolvedOptions): readonly number[] {
  return LIMITS[o.preset.limits];
}
