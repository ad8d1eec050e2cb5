// Options: the sigrok option string and the typed object resolve alike; bad
// values are DiskfluxError E_OPTION naming the option and the allowed values.
import { describe, it, expect } from "vitest";
import { resolveOptions, parseGroups, parsePyInt } from "../src/options.js";
import { DiskfluxError } from "../src/errors.js";
import { PRESETS } from "../src/presets.js";

function optionError(input: Parameters<typeof resolveOptions>[0]): DiskfluxError {
  try {
    resolveOptions(input);
  } catch (e) {
    if (e instanceof DiskfluxError) return e;
    throw e;
  }
  throw new Error("expected a DiskfluxError");
}

describe("options", () => {
  it("defaults match spec §2.1", () => {
    const o = resolveOptions("");
    expect(o.format).toBe("MFM");
    expect(o.dataRate).toBe(5000000);
    expect(o.headerFormat).toBe("4");
    expect(o.headerCrc).toEqual({ bits: 16, poly: 0x1021n, init: 0xffffn });
    expect(o.dataCrc).toEqual({ bits: 32, poly: 0xa00805n, init: 0xffffffffn });
    expect(o.sectorSize).toBe(0);
    expect([o.kp, o.ki, o.syncTolerance, o.reportQty]).toEqual([0.5, 0.0005, 0.25, 1]);
  });

  it("string and object forms are equivalent", () => {
    const a = resolveOptions("data_rate=7500000:format=RLL_WD:header_format=3:data_crc_size=56:data_crc_poly=0x140a0445000101");
    const b = resolveOptions({ data_rate: 7500000, format: "RLL_WD", header_format: "3", data_crc_size: 56, data_crc_poly: "0x140a0445000101" });
    expect(a).toEqual(b);
    expect(a.dataCrc).toEqual({ bits: 56, poly: 0x140a0445000101n, init: 0xffffffffffffffn });
    expect(a.markBases).toEqual([9, 9, 9]); // shift 12 − last pulse 3 of mark #0 (§4.4)
  });

  it("a value outside the list names the option and the allowed values", () => {
    const e = optionError("format=MFMX");
    expect(e.code).toBe("E_OPTION");
    expect(e.message).toContain("'MFMX' is not an allowed value for 'format'");
    expect(e.message).toContain("RLL_OMTI");
    expect(optionError("data_crc_poly=0x1234").message).toContain("data_crc_poly");
    expect(optionError({ header_crc_size: 24 }).message).toContain("16, 32");
  });

  it("unknown options and malformed strings are errors", () => {
    expect(optionError("header_size=4").message).toContain("unknown option 'header_size'");
    expect(optionError("format").code).toBe("E_OPTION");
    expect(optionError("header_crc_poly=0xZZ").message).toContain("header_crc_poly");
  });

  it("masks CRC parameters to the width and applies the shared-table quirk", () => {
    const o = resolveOptions("data_crc_poly=0x1021");
    expect(o.dataUsesHeaderTable).toBe(true);
    expect(resolveOptions("").dataUsesHeaderTable).toBe(false);
    expect(resolveOptions("data_crc_size=16:data_crc_poly_custom=0x18005").dataCrc.poly).toBe(0x8005n);
    expect(resolveOptions("report_qty=0").reportQty).toBe(1);
  });

  it("parses Python int(x, 0) literals", () => {
    expect(parsePyInt("0x1021")).toBe(0x1021n);
    expect(parsePyInt("4129")).toBe(4129n);
    expect(parsePyInt("0o17")).toBe(15n);
    expect(parsePyInt("0b101")).toBe(5n);
    expect(parsePyInt("0")).toBe(0n);
    expect(parsePyInt("017")).toBeUndefined();
    expect(parsePyInt("A1")).toBeUndefined();
  });

  it("parses the custom list syntax (§2.1)", () => {
    expect(parseGroups("8-3-5_5-8-3-5")).toEqual([[8n, 3n, 5n], [5n, 8n, 3n, 5n]]);
    expect(parseGroups("[[8,3,5],[5,8,3,5]]")).toEqual([[8n, 3n, 5n], [5n, 8n, 3n, 5n]]);
    const c = resolveOptions("format=custom:custom_encoder_limits=MFM:custom_encoder_codemap=WD:custom_encoder_sync_pulse=2:" +
      "custom_encoder_sync_marks=3-4-3-4-3_3-2-3-4-3-4:custom_encoder_shift_index=16-18:custom_encoder_IDData_mark=0xA1:custom_encoder_nop_mark=*");
    expect(c.preset).toEqual({ ...PRESETS.MFM, marks: { ...PRESETS.MFM.marks, nop_mark: "*" } });
  });

  it("a shift_index count that fits neither rule is the original's error", () => {
    const e = optionError("format=custom:custom_encoder_sync_marks=8-3_5-8-3");
    expect(e.message).toMatch(/^Mistmatched number of shift_index defined/);
  });
});
