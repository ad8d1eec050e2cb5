// The decode command's output modes, through main() with captured streams.
import { describe, it, expect } from "vitest";
import { main } from "../src/cli/main.js";
import { SAMPLES_DIR, haveShared, warnMissing } from "./support/shared.js";

function sink() {
  const chunks: string[] = [];
  return { stream: { write: (c: string | Uint8Array) => { chunks.push(typeof c === "string" ? c : Buffer.from(c).toString("latin1")); return true; } } as unknown as NodeJS.WritableStream, text: () => chunks.join("") };
}

async function run(args: string[]) {
  const out = sink(), err = sink();
  const code = await main(args, out.stream, err.stream);
  return { code, out: out.text(), err: err.text() };
}

describe("diskflux decode", () => {
  if (!haveShared) {
    warnMissing("CLI tests");
    it.skip("CLI (shared samples missing)", () => {});
    return;
  }
  const file = `${SAMPLES_DIR}/hdd_mfm_RQDX3_sector.sr`;

  it("--json --records prints one JSON object per record", async () => {
    const r = await run(["decode", file, "-P", "mfm", "--json", "--records"]);
    expect(r.code).toBe(0);
    const lines = r.out.trim().split("\n").map((l) => JSON.parse(l));
    expect(lines.map((l) => l.kind)).toEqual(["id", "data"]);
    expect(lines[0]).toMatchObject({ cyl: 0, head: 0, sec: 8, len: 512, crc: { ok: true, read: "F38D" } });
    expect(lines[1].crc).toMatchObject({ ok: true, read: "C1847279" });
    expect(lines[1].bytes.length).toBe(1024);
  });

  it("the default table lists the sector and its verdicts", async () => {
    const r = await run(["decode", file, "-P", "mfm"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/\b0\s+0\s+8\s+512\s+OK F38D\s+OK C1847279/);
  });

  it("-B writes the raw stream; bad usage is one line and exit 2; a missing file exit 1", async () => {
    const b = await run(["decode", file, "-P", "mfm", "-B", "mfm=idcrc"]);
    expect(Buffer.from(b.out, "latin1").toString("hex")).toBe("a1fe00000802f38d");
    const bad = await run(["decode", file, "-P", "mfm:format=nope"]);
    expect(bad.code).toBe(2);
    expect(bad.err.trim().split("\n")).toHaveLength(1);
    expect(bad.err).toMatch(/^diskflux: 'nope' is not an allowed value for 'format'/);
    const missing = await run(["decode", "no/such/file.sr", "-P", "mfm"]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/^diskflux: no\/such\/file\.sr: cannot read/);
    expect((await run(["frobnicate"])).code).toBe(2);
  });
});
