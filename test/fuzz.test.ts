// The fuzzing campaign's short run (issue 14): a time-boxed slice of the
// campaign of test/support/fuzz.ts (the whole one is `npm run fuzz -- --cases N`),
// the saved regressions replayed, and checks that the mutations really reach
// into the structures they target (otherwise the campaign would quietly test
// only the first checks of each reader).
//
// DISKFLUX_FUZZ_SEED picks another slice; DISKFLUX_FUZZ_MS the time box.
import { describe, it, expect } from "vitest";
import { existsSync, readdirSync } from "node:fs";
import { resolve } from "node:path";
import { readAnyCapture } from "../src/readers/index.js";
import {
  applyMutation, caseSeed, loadRegression, loadSeeds, mutate, replay, runCampaign, summary, BUDGET_TEXT, type Mutation, type Seed,
} from "./support/fuzz.js";

const SEED = Number(process.env.DISKFLUX_FUZZ_SEED ?? 20260114) >>> 0;
const TIME_BOX_MS = Number(process.env.DISKFLUX_FUZZ_MS ?? 12_000);
const REGRESSIONS = resolve("test/fuzz-regressions");

const { seeds, skipped } = loadSeeds();
for (const s of skipped) console.warn(`SKIPPED fuzz seeds: ${s}`);

function seed(name: string): Seed {
  const s = seeds.find((x) => x.name === name);
  if (!s) throw new Error(`no seed ${name}`);
  return s;
}

describe("fuzzing: the seeds and the mutations", () => {
  it("every seed reads as it is (the campaign starts from valid files)", async () => {
    for (const s of seeds) {
      const any = await readAnyCapture(s.bytes, s.name);
      expect(any.kind === "single" || any.tracks.length > 0, s.name).toBe(true);
    }
  });

  it("mutations are deterministic and never change their input", () => {
    const s = seed("synth-mfm.sr");
    const copy = s.bytes.slice();
    const ms: Mutation[] = [
      { op: "flip", at: 1234, bit: 3 },
      { op: "splice", at: 99, bytes: [1, 2, 3] },
      { op: "member", member: 2, edit: "data", inner: { op: "truncate", at: 77 }, name: 0, level: 6 },
      { op: "ini", line: 5, edit: "value", value: 13, key: 0, level: 0 },
    ];
    const a = mutate(s.bytes, ms);
    expect(Buffer.compare(mutate(s.bytes, ms), a)).toBe(0);
    expect(Buffer.compare(s.bytes, copy)).toBe(0);
    expect(caseSeed(1, 2)).toBe(caseSeed(1, 2));
    expect(caseSeed(1, 2)).not.toBe(caseSeed(1, 3));
  });

  it("a metadata edit is re-zipped with valid CRCs and reaches the reader", async () => {
    const s = seed("synth-mfm.sr");
    // line 6 of the metadata is "samplerate=100 MHz"; INTERESTING_VALUES[14] is "1 GHz"
    const edited = applyMutation(s.bytes, { op: "ini", line: 6, edit: "value", value: 14, key: 0, level: 6 });
    const any = await readAnyCapture(edited, "edited.sr");
    expect(any.kind === "single" && any.capture.sampleRate).toBe(1e9);
  });

  it("a .tr header edit with the checksums fixed passes the checksum and reaches the geometry check", async () => {
    const s = seed("synth-disk.tr");
    // field 3 is the cylinder count; 1 cylinder leaves the tracks of cylinder 1 outside the geometry
    const fixed = applyMutation(s.bytes, { op: "trfield", field: 3, value: 1, fix: true });
    await expect(readAnyCapture(fixed, "t.tr")).rejects.toThrow(/outside the 1 x 2 geometry/);
    const unfixed = applyMutation(s.bytes, { op: "trfield", field: 3, value: 1, fix: false });
    await expect(readAnyCapture(unfixed, "t.tr")).rejects.toThrow(/checksum/);
  });
});

describe(`fuzzing: a short campaign (seed ${SEED}, ${TIME_BOX_MS / 1000} s)`, () => {
  it("every case ends in a result or a one-line DiskfluxError within its budget", async () => {
    const stats = await runCampaign({ seed: SEED, cases: 100_000, timeBoxMs: TIME_BOX_MS, saveDir: resolve("test-artifacts/fuzz-regressions"), shrinkMs: 5_000, seeds });
    console.log(summary(stats, SEED));
    // the campaign ran (a busy machine gets through fewer cases in the time box: 14 seen under load)
    expect(stats.cases).toBeGreaterThan(5);
    const why = stats.failures.map((f) => `case ${f.index} (seed ${SEED}): ${f.failure.kind}: ${f.failure.message}\n  saved to ${f.file}; replay with npm run fuzz -- --replay ${f.file}, and move it to test/fuzz-regressions/ to keep it`);
    expect(why, `budget: ${BUDGET_TEXT}`).toEqual([]);
  });
});

describe("fuzzing: saved regressions", () => {
  const files = existsSync(REGRESSIONS) ? readdirSync(REGRESSIONS).filter((f) => f.endsWith(".json")).sort() : [];
  if (files.length === 0) {
    it.skip("no saved regressions in test/fuzz-regressions", () => {});
    return;
  }
  for (const f of files) {
    it(f, async () => {
      const r = loadRegression(resolve(REGRESSIONS, f));
      const o = await replay(r, seeds);
      if (o === "skipped") console.warn(`SKIPPED regression ${f}: its seed ${r.case.seedName} is missing and the file holds no input`);
    });
  }
});
