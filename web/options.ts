// The option form's model: every decoder option (OPTION_KEYS) with its default
// and, where the decoder restricts it, its allowed values; named presets for
// known controllers; and the sigrok-style option string (`key=value:key=value`)
// that goes into `?opts=` so a view can be shared. Options left to detection
// read "auto" (see OptionState).
import { OPTION_KEYS, resolveOptions, parseOptionString, type DecodeOptions, type OptionKey } from "../src/options.js";
import { DETECTED_KEYS } from "../src/detect/options.js";
import { isDiskfluxError } from "../src/errors.js";

export type OptionGroup = "Encoding" | "CRC" | "PLL" | "Display and reports" | "Custom encoder";

export interface OptionSpec {
  key: OptionKey;
  def: string;
  /** Allowed values; undefined = free text. */
  values?: string[];
  group: OptionGroup;
  help: string;
}

const GROUP: Record<OptionKey, OptionGroup> = {} as Record<OptionKey, OptionGroup>;
for (const k of OPTION_KEYS) {
  GROUP[k] =
    k.startsWith("custom_encoder_") ? "Custom encoder" :
    k.includes("crc") ? "CRC" :
    k.startsWith("pll_") || k === "decoder" ? "PLL" :
    k === "time_unit" || k.startsWith("dsply_") || k.startsWith("report") ? "Display and reports" :
    "Encoding";
}

const HELP: Partial<Record<OptionKey, string>> = {
  leading_edge: "Which edge of the read-data line is a flux transition",
  data_rate: "Data bits per second (FM 125k, DD MFM 250k, HD 500k, ST-506 MFM 5M, RLL 7.5M)",
  format: "Encoding and mark conventions of the controller",
  header_format: "ID record layout (3 or 4 bytes, or a vendor format)",
  sector_size: "Data record length; auto = from the ID record",
  header_crc_size: "ID record CRC width in bits",
  header_crc_poly: "ID record CRC polynomial",
  header_crc_init: "ID record CRC initial value",
  data_crc_size: "Data record CRC/ECC width in bits",
  data_crc_poly: "Data record CRC polynomial",
  data_crc_poly_custom: "Overrides data_crc_poly when set",
  data_crc_init: "Data record CRC initial value",
  time_unit: "Unit of pulse labels",
  dsply_sn: "Show sample numbers in annotations",
  report: "Emit a summary report after this mark",
  report_qty: "Marks per report",
  decoder: "PLL (the default) or the legacy decoder",
  pll_sync_tolerance: "Pulse tolerance while locking onto the preamble",
  pll_kp: "PLL proportional gain",
  pll_ki: "PLL integral gain",
  dsply_pfx: "Show prefix annotations",
};

const PROBE = "\u2400"; // a value no option accepts

let specs: OptionSpec[] | undefined;

/**
 * Every option with its default and allowed values. The allowed values come from
 * the decoder itself (resolveOptions rejects a bad value with the list), so the
 * form can never drift from what the library accepts.
 */
export function optionSpecs(): OptionSpec[] {
  if (specs) return specs;
  const defaults = resolveOptions({}).raw;
  specs = OPTION_KEYS.map((key) => {
    let values: string[] | undefined;
    try {
      resolveOptions({ [key]: PROBE });
    } catch (e) {
      const m = /allowed values are: (.*)$/.exec(e instanceof Error ? e.message : "");
      if (m) values = m[1].split(", ");
    }
    return { key, def: defaults[key], ...(values ? { values } : {}), group: GROUP[key], help: HELP[key] ?? "" };
  });
  return specs;
}

export const GROUPS: OptionGroup[] = ["Encoding", "CRC", "PLL", "Display and reports", "Custom encoder"];

/** Named option strings for known controllers (from the reference captures' settings). */
export const PRESET_STRINGS: { name: string; options: string }[] = [
  { name: "Decoder defaults", options: "" },
  { name: "Floppy FM, 125 kb/s (8\"/5.25\" SD)", options: "data_rate=125000:format=FM:data_crc_size=16:data_crc_poly=0x1021" },
  { name: "Floppy MFM DD, 250 kb/s", options: "data_rate=250000:format=MFM:data_crc_size=16:data_crc_poly=0x1021" },
  { name: "Floppy MFM HD, 500 kb/s", options: "data_rate=500000:format=MFM:data_crc_size=16:data_crc_poly=0x1021" },
  { name: "DEC RQDX3 (MFM)", options: "data_rate=5000000:format=MFM" },
  { name: "WD1003/WD1006 (MFM, CRC32)", options: "data_rate=5000000:format=MFM:header_format=3:data_crc_poly=0x140a0445" },
  {
    name: "OMTI 8240 (MFM)",
    options: "data_rate=5000000:format=MFM:header_format=OMTI:header_crc_size=32:header_crc_poly=0x0104c981:header_crc_init=0x2605fb9c:data_crc_poly=0x0104c981:data_crc_init=0xd4d7ca20",
  },
  {
    name: "Seagate ST11M/ST21M (MFM)",
    options: "data_rate=5000000:format=MFM:header_format=Seagate:header_crc_size=32:header_crc_poly=0x41044185:header_crc_init=0:data_crc_poly=0x41044185:data_crc_init=0",
  },
  {
    name: "Adaptec ACB-4070 (RLL)",
    options: "data_rate=7500000:format=RLL_Adaptec4070:header_format=Adaptec4070:header_crc_size=32:header_crc_poly=0x41044185:header_crc_init=0:data_crc_poly=0x41044185:data_crc_init=0:pll_kp=1",
  },
  {
    name: "Adaptec ACB-2370A (RLL, ECC48)",
    options: "data_rate=7500000:format=RLL_Adaptec:header_format=Adaptec:header_crc_init=0:data_crc_size=48:data_crc_poly=0x181814503011:data_crc_init=0x010000000000",
  },
  {
    name: "Seagate ST11R/ST21R (RLL)",
    options: "data_rate=7500000:format=RLL_Seagate:header_format=Seagate:header_crc_size=32:header_crc_poly=0x41044185:header_crc_init=0:sector_size=512:data_crc_poly=0x41044185:data_crc_init=0",
  },
  { name: "WD1003V-SR1/WD1006V-SR2 (RLL, ECC56)", options: "data_rate=7500000:format=RLL_WD:header_format=3:data_crc_size=56:data_crc_poly=0x140a0445000101" },
  {
    name: "OMTI 8247 (RLL, ECC48)",
    options: "data_rate=7500000:format=RLL_OMTI:header_format=OMTI:header_crc_init=0x7107:data_crc_size=48:data_crc_poly=0x181814503011:data_crc_init=0x6062ebbf22b4",
  },
  { name: "DTC 7287 (RLL, not deciphered)", options: "data_rate=7500000:format=RLL_DTC7287_unknown:header_format=RLL_DTC7287_unknown" },
];

/**
 * Options detection can find, each with an "auto" choice in the form. sector_size
 * is not among them: its "auto" (from the ID record) is the decoder's own default,
 * and detection fills it in whenever it runs and the user did not set it.
 */
export const AUTO_KEYS: ReadonlySet<OptionKey> = new Set(
  OPTION_KEYS.filter((k) => DETECTED_KEYS.has(k) && k !== "sector_size"),
);

/**
 * The options the user set explicitly, in OPTION_KEYS order. A key stays in the
 * string while it is set, even to its default, so a shared string round-trips
 * unchanged (`data_rate=5000000:format=MFM` stays as written).
 *
 * `detectRest` is the page's state before anything is known (no `?opts=`, or
 * `?opts=auto`): every detectable option not set is "auto". The string then
 * starts with `auto` (e.g. `auto:format=RLL_WD`), which decode()/detect() read
 * as "detect everything not given". A key may also be set to "auto" on its own
 * (`format=auto`), which asks detection for that key only.
 */
export class OptionState {
  private explicit = new Map<OptionKey, string>();
  detectRest = false;

  /** Replaces everything with a parsed option string; throws DiskfluxError E_OPTION. */
  setString(text: string): void {
    let t = text.trim();
    if (t === "mfm") t = "";
    else if (t.startsWith("mfm:")) t = t.slice(4);
    let rest = false;
    const parts = t === "" ? [] : t.split(":").filter((p) => (p === "auto" ? ((rest = true), false) : true));
    const parsed = parseOptionString(parts.join(":"));
    resolveOptions(fixedOf(parsed)); // validate before adopting
    this.explicit.clear();
    this.detectRest = rest;
    for (const k of OPTION_KEYS) {
      const v = parsed[k];
      if (v === undefined) continue;
      if (rest && String(v) === "auto" && AUTO_KEYS.has(k)) continue; // implied by the leading auto
      this.explicit.set(k, String(v));
    }
  }

  /**
   * Sets one option. The default value (from the form) removes it, except while
   * the rest is detected (then the default is a choice that narrows detection);
   * "auto" removes it while the rest is detected.
   */
  set(key: OptionKey, value: string, def: string): void {
    const auto = this.detectRest && AUTO_KEYS.has(key);
    if (value === "auto" && auto) this.explicit.delete(key);
    else if (value === def && !auto) this.explicit.delete(key);
    else this.explicit.set(key, value);
  }

  get(key: OptionKey, def: string): string {
    return this.explicit.get(key) ?? (this.detectRest && AUTO_KEYS.has(key) ? "auto" : def);
  }

  isSet(key: OptionKey): boolean {
    return this.explicit.has(key);
  }

  /** True when this key is left to detection. */
  isAuto(key: OptionKey): boolean {
    return AUTO_KEYS.has(key) && this.get(key, "") === "auto";
  }

  /** True when decoding these options detects some of them first. */
  wantsDetection(): boolean {
    return this.detectRest || [...this.explicit].some(([k, v]) => v === "auto" && AUTO_KEYS.has(k));
  }

  /** Every detectable option (and sector_size) back to auto; other options stay. */
  detectAll(): void {
    for (const k of [...this.explicit.keys()]) if (AUTO_KEYS.has(k) || k === "sector_size") this.explicit.delete(k);
    this.detectRest = true;
  }

  /** The options given with a value (auto ones left out): what detection keeps. */
  fixedKeys(): Set<OptionKey> {
    return new Set([...this.explicit].filter(([k, v]) => !(v === "auto" && DETECTED_KEYS.has(k))).map(([k]) => k));
  }

  toString(): string {
    const set = OPTION_KEYS.filter((k) => this.explicit.has(k)).map((k) => `${k}=${this.explicit.get(k)}`);
    return (this.detectRest ? ["auto", ...set] : set).join(":");
  }

  /** null when valid, else the decoder's message. */
  validate(): string | null {
    try {
      const t = this.toString();
      resolveOptions(fixedOf(parseOptionString(t.replace(/^auto(:|$)/, ""))));
      return null;
    } catch (e) {
      if (isDiskfluxError(e)) return e.message;
      throw e;
    }
  }
}

/** Options without the ones left to detection (resolveOptions does not know "auto" for them). */
function fixedOf(parsed: DecodeOptions): DecodeOptions {
  const out: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(parsed)) {
    if (v === undefined) continue;
    if (String(v) === "auto" && AUTO_KEYS.has(k as OptionKey)) continue;
    out[k] = v;
  }
  return out as DecodeOptions;
}
