// The option form's model (web/options.ts): every decoder option, defaults and
// allowed values straight from the library, presets that resolve, and option
// strings that round-trip through ?opts=.
import { describe, it, expect } from "vitest";
import { OPTION_KEYS, resolveOptions, FORMATS, HEADER_FORMATS } from "../src/index.js";
import { optionSpecs, OptionState, PRESET_STRINGS } from "../web/options.js";

describe("web option model", () => {
  it("covers every option with the library's defaults and value lists", () => {
    const specs = optionSpecs();
    expect(specs.map((s) => s.key)).toEqual(OPTION_KEYS);
    const defaults = resolveOptions({}).raw;
    for (const s of specs) {
      expect(s.def).toBe(defaults[s.key]);
      if (s.values) expect(s.values).toContain(s.def);
    }
    const byKey = Object.fromEntries(specs.map((s) => [s.key, s]));
    expect(byKey.format.values).toEqual([...FORMATS]);
    expect(byKey.header_format.values).toEqual([...HEADER_FORMATS]);
    expect(byKey.data_rate.values).toContain("7500000");
    expect(byKey.pll_kp.values).toBeUndefined();
    expect(byKey.header_crc_poly.values).toBeUndefined();
  });

  it("has presets that all resolve", () => {
    for (const p of PRESET_STRINGS) expect(() => resolveOptions(p.options), p.name).not.toThrow();
  });

  it("round-trips option strings as written and drops keys set back to default", () => {
    const s = new OptionState();
    s.setString("data_rate=5000000:format=MFM");
    expect(s.toString()).toBe("data_rate=5000000:format=MFM");
    s.setString("mfm:format=RLL_WD:data_rate=7500000");
    expect(s.toString()).toBe("data_rate=7500000:format=RLL_WD");
    s.set("header_format", "3", "4");
    expect(s.toString()).toBe("data_rate=7500000:format=RLL_WD:header_format=3");
    s.set("header_format", "4", "4");
    expect(s.toString()).toBe("data_rate=7500000:format=RLL_WD");
    expect(s.validate()).toBeNull();
    s.set("pll_kp", "abc", "0.5");
    expect(s.validate()).toMatch(/pll_kp/);
    expect(() => s.setString("format=NOPE")).toThrow(/allowed values/);
  });
});
