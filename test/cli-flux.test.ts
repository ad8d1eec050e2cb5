// The commands on flux files: no options (detected), a KryoFlux directory, and
// `image` of an HFE file equal to the image the other tool wrote.
import { describe, it, expect } from "vitest";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { tmpdir } from "node:os";
import { main } from "../src/cli/main.js";
import { SAMPLES_DIR } from "./support/shared.js";

const FLUX = resolve(SAMPLES_DIR, "flux");
const have = existsSync(join(FLUX, "ibm360.hfe")) && existsSync(join(FLUX, "acorn-kryoflux"));

function sink(): NodeJS.WritableStream & { text: () => string } {
  let s = "";
  return { write(c: string | Uint8Array) { s += typeof c === "string" ? c : Buffer.from(c).toString("latin1"); return true; }, text: () => s } as never;
}

if (!have) {
  console.warn(`SKIPPED flux CLI tests: ${FLUX} missing`);
  it.skip("flux CLI tests (shared samples/flux missing)", () => {});
}

describe.runIf(have)("flux files on the command line", () => {
  it("decode of a KryoFlux directory with no options detects FM and reads every sector", async () => {
    const out = sink(), err = sink();
    expect(await main(["decode", join(FLUX, "acorn-kryoflux")], out, err)).toBe(0);
    expect(err.text()).toMatch(/detected -P mfm:data_rate=125000:format=FM/);
    const summaries = out.text().match(/^(\d+) sectors, (\d+) with good ID and data CRCs/gm) ?? [];
    expect(summaries.length).toBeGreaterThan(0);
    for (const line of summaries) {
      const [, n, good] = /^(\d+) sectors, (\d+)/.exec(line)!;
      expect(good).toBe(n);
    }
  });

  it("image of the HFE file with no options is the .img beside it, byte for byte", async () => {
    const dir = mkdtempSync(join(tmpdir(), "diskflux-flux-"));
    const err = sink();
    expect(await main(["image", join(FLUX, "ibm360.hfe"), "-o", join(dir, "disk.img")], sink(), err)).toBe(0);
    expect(err.text()).toMatch(/detected -P mfm:data_rate=250000:format=MFM/);
    expect(Buffer.compare(readFileSync(join(dir, "disk.img")), readFileSync(join(FLUX, "ibm360.img")))).toBe(0);
  });
});
