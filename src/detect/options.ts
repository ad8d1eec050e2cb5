// `auto` in the option string, and the option string detection hands back.
//
//   -P mfm                 everything auto (so is no -P at all on the CLI)
//   -P mfm:auto            everything auto
//   -P mfm:data_rate=auto:format=RLL_WD    the rate is found, the format is kept
//
// Any option given with a value narrows the search; `auto` for a key the
// original lacks it for (data_rate, format, header_format, the CRC sizes,
// polynomials and inits) asks detection for it.
import { parseOptionString, type DecodeOptions, type OptionKey } from "../options.js";

/** The keys detection sets. */
export const DETECTED_KEYS: ReadonlySet<string> = new Set([
  "data_rate", "format", "header_format", "sector_size",
  "header_crc_size", "header_crc_poly", "header_crc_init",
  "data_crc_size", "data_crc_poly", "data_crc_poly_custom", "data_crc_init", "pll_kp",
]);

/** The order of the keys in a detected option string (the original README's order). */
const ORDER = [
  "data_rate", "format", "header_format", "header_crc_size", "header_crc_poly", "header_crc_init",
  "sector_size", "data_crc_size", "data_crc_poly", "data_crc_poly_custom", "data_crc_init", "pll_kp",
];

/** data_crc_poly values the original accepts, spelled as it lists them (spec §2.1). */
const LISTED_DATA_POLYS = ["0x1021", "0xA00805", "0x140a0445", "0x0104c981", "0x41044185", "0x181814503011", "0x140a0445000101"];

export interface AutoSplit {
  /** The options given with a value (auto values left out). */
  fixed: DecodeOptions;
  /** True when the caller asked for detection (anything auto). */
  auto: boolean;
}

/** Splits options into what is given and whether detection was asked for. */
export function splitAutoOptions(input: string | DecodeOptions | undefined): AutoSplit {
  if (input === undefined) return { fixed: {}, auto: true };
  let entries: [string, string][];
  let auto = false;
  if (typeof input === "string") {
    let text = input.trim();
    if (text === "mfm" || text === "" || text === "auto" || text === "mfm:auto") return { fixed: {}, auto: true };
    if (text.startsWith("mfm:")) text = text.slice(4);
    const parts = text.split(":").filter((p) => p !== "auto" || ((auto = true), false));
    entries = Object.entries(parseOptionString(parts.join(":"))).map(([k, v]) => [k, String(v)]);
  } else {
    entries = Object.entries(input).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)]);
  }
  const fixed: Record<string, string> = {};
  for (const [k, v] of entries) {
    if (v === "auto" && DETECTED_KEYS.has(k)) {
      if (k !== "sector_size") auto = true;
      continue;
    }
    fixed[k] = v;
  }
  return { fixed: fixed as DecodeOptions, auto };
}

/** True when these options ask for detection (decode(capture, "auto") and the like). */
export function wantsDetection(input: string | DecodeOptions): boolean {
  if (typeof input === "string") {
    const t = input.trim();
    if (t === "auto" || t === "mfm:auto") return true;
    if (!/(^|:)auto(:|$)|=auto(:|$)/.test(t)) return false;
  }
  return splitAutoOptions(input).auto;
}

/** key=value:key=value in the canonical order; the data polynomial as the original accepts it. */
export function formatOptionString(options: DecodeOptions): string {
  const o: Record<string, string> = {};
  for (const [k, v] of Object.entries(options)) if (v !== undefined) o[k] = String(v);
  if (o.data_crc_poly !== undefined && (o.data_crc_poly_custom ?? "").trim() === "") {
    const v = BigInt(o.data_crc_poly);
    const listed = LISTED_DATA_POLYS.find((p) => BigInt(p) === v);
    if (listed) o.data_crc_poly = listed;
    else {
      delete o.data_crc_poly;
      o.data_crc_poly_custom = o.data_crc_poly_custom && o.data_crc_poly_custom.trim() !== "" ? o.data_crc_poly_custom : "0x" + v.toString(16);
    }
  }
  const keys = [...ORDER.filter((k) => k in o), ...Object.keys(o).filter((k) => !ORDER.includes(k))] as OptionKey[];
  return keys.map((k) => `${k}=${o[k]}`).join(":");
}
