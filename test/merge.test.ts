// Several reads of one sector merged (src/recover/merge.ts) and the bit-wise
// vote over bad copies (src/recover/vote.ts): best copy order, conflicts, the
// vote and its rules (3 copies for a 16-bit check, the 2-copy erasure rule for
// 32 bits, ECC after a vote), never a wrong sector called voted; then end to
// end: a SuperCard Pro file of three revolutions with damaged copies, and
// `diskflux image` over several captures of one track.
//
// Expected bytes are the payloads the test wrote; the checks are computed here
// with crcOf, anchored to the catalogue check value of CRC-16/CCITT-FALSE.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { crcOf } from "../src/kernels/crc.js";
import { mergeCopies, mergeResults, mergeSectors, sectorCopies, statusCounts, type CopyStatus, type SectorCopy } from "../src/recover/merge.js";
import { bitVote, voteRecord, VOTE_BOUND, type CheckParams } from "../src/recover/vote.js";
import { SECTOR_STATUSES } from "../src/recover/status.js";
import { edgeCapture } from "../src/encode/flux.js";
import { writeVcd } from "../src/writers/vcd.js";
import { writeTr } from "../src/writers/tr.js";
import { OPTIONS, edgesOf, scpOf, sectorList, trackCells } from "./support/damaged-track.js";
import { readAnyCapture } from "../src/readers/index.js";
import { decode } from "../src/decode.js";
import { imageCommand } from "../src/cli/image.js";
import { assembleImage } from "../src/image/assemble.js";
import { sectorMapText } from "../src/image/map.js";
import { sectorTable } from "../src/report/table.js";

const CCITT: CheckParams = { width: 16, poly: 0x1021n, init: 0xffffn };
const WD32: CheckParams = { width: 32, poly: 0x140a0445n, init: 0xffffffffn };
const PREFIX = [0xa1, 0xa1, 0xa1, 0xfb];
const hexOf = (v: bigint, w: number) => v.toString(16).toUpperCase().padStart(w / 4, "0");
const hex = (b: Uint8Array | undefined) => (b ? Buffer.from(b).toString("hex") : "none");

/** CRC input (prefix + payload) then the check, big endian. */
function record(payload: Uint8Array, c: CheckParams): Uint8Array {
  const msg = Uint8Array.from([...PREFIX, ...payload]);
  const v = crcOf(c.width, c.poly, c.init, msg);
  const out = new Uint8Array(msg.length + c.width / 8);
  out.set(msg);
  for (let i = 0; i < c.width / 8; i++) out[msg.length + i] = Number((v >> BigInt(c.width - 8 - 8 * i)) & 0xffn);
  return out;
}

/** A copy of sector 1 with bits flipped (positions from the start of the payload; past it: the check). */
function damaged(payload: Uint8Array, c: CheckParams, flips: readonly number[], status?: CopyStatus): SectorCopy {
  const rec = record(payload, c);
  for (const bit of flips) rec[PREFIX.length + (bit >> 3)] ^= 0x80 >> (bit & 7);
  const msg = rec.subarray(0, rec.length - c.width / 8);
  const computed = crcOf(c.width, c.poly, c.init, msg);
  let stored = 0n;
  for (const b of rec.subarray(msg.length)) stored = (stored << 8n) | BigInt(b);
  const ok = computed === stored;
  return {
    cyl: 0, head: 0, sec: 1,
    bytes: msg.slice(PREFIX.length),
    crcOk: ok,
    ...(status ? { status } : {}),
    crcInput: rec,
    computed: hexOf(computed, c.width),
    check: c,
  };
}

const plain = (bytes: Uint8Array, status: CopyStatus): SectorCopy => ({ cyl: 0, head: 0, sec: 1, bytes, status, crcOk: status !== "bad" });

describe("the CRC the tests build records with", () => {
  it("is CRC-16/CCITT-FALSE: check value 0x29B1 over '123456789'", () => {
    expect(crcOf(16, 0x1021n, 0xffffn, new TextEncoder().encode("123456789"))).toBe(0x29b1n);
  });
});

describe("best copy and conflicts", () => {
  const RANKS: CopyStatus[] = ["good", "corrected", "recovered", "bad"];
  const pool = [Uint8Array.of(1, 1, 1, 1), Uint8Array.of(2, 2, 2, 2), Uint8Array.of(3, 3, 3, 3)];

  it("the best rank present decides; its copies disagreeing make a conflict; never a better status than the best copy", () => {
    fc.assert(fc.property(fc.array(fc.record({ status: fc.constantFrom(...RANKS), payload: fc.integer({ min: 0, max: 2 }) }), { minLength: 1, maxLength: 7 }), (list) => {
      const copies = list.map((x) => plain(pool[x.payload], x.status));
      const m = mergeCopies(copies);
      const verifying = list.filter((x) => x.status !== "bad");
      if (verifying.length === 0) {
        expect(m.status).toBe("bad"); // no CRC inputs here: nothing to vote over
        return;
      }
      const best = RANKS.find((r) => verifying.some((x) => x.status === r))!;
      const tier = verifying.filter((x) => x.status === best).map((x) => x.payload);
      const distinct = new Set(tier);
      if (distinct.size === 1) {
        expect(m.status).toBe(best);
        expect(hex(m.bytes)).toBe(hex(pool[tier[0]]));
      } else {
        expect(m.status).toBe("conflict");
        // the most frequent of the tier, the earliest on a tie
        const n = (p: number) => tier.filter((x) => x === p).length;
        const top = Math.max(...tier.map(n));
        expect(hex(m.bytes)).toBe(hex(pool[tier.find((p) => n(p) === top)!]));
      }
      expect(m.evidence.reads).toBe(list.length);
      expect(m.evidence.good + m.evidence.corrected + m.evidence.recovered + m.evidence.bad).toBe(list.length);
    }), { numRuns: 300 });
  });

  it("two good copies that differ are a conflict, never good, whatever else was read", () => {
    fc.assert(fc.property(
      fc.uint8Array({ minLength: 1, maxLength: 16 }), fc.uint8Array({ minLength: 1, maxLength: 16 }),
      fc.array(fc.constantFrom<CopyStatus>("corrected", "recovered", "bad"), { maxLength: 4 }),
      (a, b, others) => {
        fc.pre(hex(a) !== hex(b));
        const copies = [plain(a, "good"), ...others.map((s) => plain(a, s)), plain(b, "good")];
        const m = mergeCopies(copies);
        expect(m.status).toBe("conflict");
        expect([hex(a), hex(b)]).toContain(hex(m.bytes));
        expect(m.evidence.variants).toBe(2);
      },
    ));
  });

  it("unmodified good beats corrected beats recovered; a disagreeing lower copy is overruled, not a conflict", () => {
    const [a, b] = pool;
    expect(mergeCopies([plain(b, "corrected"), plain(a, "good")])).toMatchObject({ status: "good", bytes: a, evidence: { overruled: 1, chosen: 1 } });
    expect(mergeCopies([plain(b, "recovered"), plain(a, "corrected")])).toMatchObject({ status: "corrected", bytes: a, evidence: { overruled: 1 } });
    expect(mergeCopies([plain(a, "recovered"), plain(b, "bad")])).toMatchObject({ status: "recovered", bytes: a, evidence: { overruled: 0 } });
    expect(mergeCopies([{ cyl: 0, head: 0, sec: 1 }])).toMatchObject({ status: "missing", evidence: { noData: 1 } });
    expect(mergeCopies([plain(a, "good")], { size: 8 }).status).toBe("bad"); // the wrong size counts as bad
  });

  it("groups copies by sector, in first-read order, and counts every status", () => {
    const [a, b] = pool;
    const s = (sec: number, bytes: Uint8Array, status: CopyStatus): SectorCopy => ({ ...plain(bytes, status), sec });
    const merged = mergeSectors([s(3, a, "good"), s(1, a, "bad"), s(3, a, "good"), s(1, b, "good"), s(2, a, "good"), s(2, b, "good")]);
    expect(merged.map((m) => [m.sec, m.status, m.copies])).toEqual([[3, "good", 2], [1, "good", 2], [2, "conflict", 2]]);
    expect(statusCounts(merged)).toEqual({ good: 2, corrected: 0, recovered: 0, voted: 0, conflict: 1, bad: 0, missing: 0 });
    expect(Object.keys(statusCounts([]))).toEqual([...SECTOR_STATUSES]);
  });
});

describe("bit-wise vote", () => {
  it("majority per bit; even splits are erasures", () => {
    const v = bitVote([Uint8Array.of(0x0f, 0xff), Uint8Array.of(0x0e, 0xff), Uint8Array.of(0x8f, 0xfe)]);
    expect([...v.bytes]).toEqual([0x0f, 0xff]);
    expect([v.contested, v.erasures.length, v.maxDissent]).toEqual([3, 0, 1]);
    const two = bitVote([Uint8Array.of(0xf0), Uint8Array.of(0xf1)]);
    expect(two.erasures).toEqual([7]);
  });

  const payloadArb = fc.uint8Array({ minLength: 8, maxLength: 64 });
  for (const c of [CCITT, WD32]) {
    it(`${c.width}-bit check: ≥ 3 copies each with a different single-bit error vote back to the exact bytes, which verify`, () => {
      fc.assert(fc.property(payloadArb, fc.integer({ min: 3, max: 5 }), fc.integer({ min: 0, max: 2 ** 30 }), (payload, n, seed) => {
        const bits = (payload.length + c.width / 8) * 8;
        const flips = new Set<number>();
        for (let k = 0; flips.size < n; k++) flips.add((seed + k * 7919) % bits);
        const copies = [...flips].map((bit) => damaged(payload, c, [bit]));
        expect(copies.every((x) => !x.crcOk)).toBe(true);
        const m = mergeCopies(copies);
        expect(m.status).toBe("voted");
        expect(hex(m.bytes)).toBe(hex(payload));
        expect(hex(record(m.bytes!, c))).toBe(hex(record(payload, c)));
        expect(m.evidence.vote).toMatchObject({ copies: n, contested: n, erasures: 0, maxDissent: 1, candidates: 1, verified: 1 });
        expect(m.evidence.vote!.refused).toBeUndefined();
        expect(m.evidence.vote!.rule).toBe(c.width >= 32 ? "check" : "copies");
        expect(m.evidence.vote!.bound).toBe(2 ** -c.width); // one candidate
        if (c.width >= 32) expect(m.evidence.vote!.bound).toBeLessThan(VOTE_BOUND);
      }), { numRuns: 60 });
    });

    it(`${c.width}-bit check: damaged copies whose vote does not verify stay bad; a voted sector is never a wrong one`, () => {
      // the same errors in most copies (two bits far apart: no burst ECC could take) survive the
      // vote: the check fails, the sector stays bad
      const payload = Uint8Array.from({ length: 40 }, (_, i) => i * 7);
      const same = mergeCopies([damaged(payload, c, [5, 300]), damaged(payload, c, [5, 300, 40]), damaged(payload, c, [5, 300])]);
      expect(same.status).toBe("bad");
      expect(same.evidence.vote?.refused).toBeDefined();
      expect(hex(same.bytes)).not.toBe(hex(payload));
      fc.assert(fc.property(payloadArb, fc.array(fc.array(fc.nat(), { minLength: 1, maxLength: 3 }), { minLength: 2, maxLength: 5 }), (p, damage) => {
        const bits = (p.length + c.width / 8) * 8;
        const copies = damage.map((d) => damaged(p, c, [...new Set(d.map((x) => x % bits))]));
        fc.pre(copies.every((x) => !x.crcOk));
        const m = mergeCopies(copies);
        expect(["voted", "bad"]).toContain(m.status);
        if (m.status === "voted") expect(hex(m.bytes)).toBe(hex(p));
      }), { numRuns: 200 });
    });
  }

  it("the 2-copy rule: a 32-bit check tries both values of every bit two copies disagree on (2^e candidates, e ≤ 12)", () => {
    const payload = Uint8Array.from({ length: 64 }, (_, i) => (i * 13) & 0xff);
    const two = mergeCopies([damaged(payload, WD32, [3]), damaged(payload, WD32, [300])]);
    expect(two.status).toBe("voted");
    expect(hex(two.bytes)).toBe(hex(payload));
    expect(two.evidence.vote).toMatchObject({ copies: 2, erasures: 2, candidates: 4, verified: 1 });
    expect(two.evidence.vote!.bound).toBeCloseTo(4 * 2 ** -32, 15);
    // 13 erasures: 2^13 · 2^-32 > 1e-6, refused
    const many = mergeCopies([damaged(payload, WD32, [0, 2, 4, 6, 8, 10, 12]), damaged(payload, WD32, [100, 102, 104, 106, 108, 110])]);
    expect(many.status).toBe("bad");
    expect(many.evidence.vote?.refused).toMatch(/13 bits split evenly/);
    // a 48-bit check could afford 28 erasures by its bound, but at most 12 are tried (time)
    const ECC48: CheckParams = { width: 48, poly: 0x181814503011n, init: 0n };
    const wide = mergeCopies([damaged(payload, ECC48, [0, 2, 4, 6, 8, 10, 12]), damaged(payload, ECC48, [100, 102, 104, 106, 108, 110])], { span: 0 });
    expect(wide.evidence.vote?.refused).toMatch(/13 bits split evenly; at most 12 are tried/);
    const twelve = mergeCopies([damaged(payload, ECC48, [0, 2, 4, 6, 8, 10]), damaged(payload, ECC48, [100, 102, 104, 106, 108, 110])], { span: 0 });
    expect([twelve.status, hex(twelve.bytes), twelve.evidence.vote?.candidates]).toEqual(["voted", hex(payload), 4096]);
    // a 16-bit check takes no 2-copy vote
    const narrow = mergeCopies([damaged(payload, CCITT, [3]), damaged(payload, CCITT, [300])]);
    expect(narrow.status).toBe("bad");
    expect(narrow.evidence.vote?.refused).toMatch(/needs 3/);
  });

  it("a 16-bit check refuses a vote where two copies dissent at one bit", () => {
    const payload = Uint8Array.from({ length: 16 }, (_, i) => i);
    const m = mergeCopies([damaged(payload, CCITT, [9]), damaged(payload, CCITT, [9]), damaged(payload, CCITT, [20]), damaged(payload, CCITT, []), damaged(payload, CCITT, [70])]
      .filter((x) => !x.crcOk));
    expect(m.evidence.vote).toMatchObject({ copies: 4, erasures: 1 });
    expect(m.status).toBe("bad");
    // five copies, two of them wrong at bit 9: a majority (3–2), but two dissent
    const dissent = voteRecord([9, 9, 30, 70, 100].map((b) => damaged(payload, CCITT, [b])).map((x) => ({ crcInput: x.crcInput!, computed: x.computed! })), CCITT);
    expect(dissent.record).toBeUndefined();
    expect(dissent.evidence.refused).toMatch(/copies dissent at one bit/);
  });

  it("ECC after the vote: a burst every copy shares, within the code's span, is corrected; the sector is voted", () => {
    const payload = Uint8Array.from({ length: 512 }, (_, i) => (i * 31 + 7) & 0xff);
    const burst = [1000, 1001, 1003]; // a 4-bit burst, in the WD code's span of 5
    const m = mergeCopies([damaged(payload, WD32, [...burst, 17]), damaged(payload, WD32, [...burst, 2222]), damaged(payload, WD32, [...burst, 3333])]);
    expect(m.status).toBe("voted");
    expect(hex(m.bytes)).toBe(hex(payload));
    expect(m.evidence.vote?.ecc).toEqual({ startBit: (PREFIX.length * 8) + 1000, bits: 4 });
    // without ECC (span 0) it stays bad
    expect(mergeCopies([damaged(payload, WD32, [...burst, 17]), damaged(payload, WD32, [...burst, 2222]), damaged(payload, WD32, [...burst, 3333])], { span: 0 }).status).toBe("bad");
  });

  it("refuses when the decoder's check is not the plain CRC of the record (a preset quirk), or without CRC inputs", () => {
    const payload = Uint8Array.from({ length: 16 }, (_, i) => i);
    const copies = [1, 2, 3].map((b) => damaged(payload, WD32, [b]));
    const quirk = mergeCopies(copies.map((x) => ({ ...x, computed: "00000000" })));
    expect(quirk.status).toBe("bad");
    expect(quirk.evidence.vote?.refused).toMatch(/quirk/);
    const none = mergeCopies(copies.map(({ crcInput: _, ...x }) => x));
    expect([none.status, none.evidence.vote]).toEqual(["bad", undefined]);
    expect(mergeCopies(copies, { vote: false }).status).toBe("bad");
  });
});

// ---------------------------------------------------------------- end to end (tracks from test/support/damaged-track.ts)

describe("a flux file's revolutions merged", () => {
  const truth = new Map(sectorList().map((s) => [s.sec, hex(s.data)]));

  it("three revolutions: sector 2 damaged differently in each is voted back; sector 4 damaged in one is good", async () => {
    const scp = scpOf([
      trackCells([{ sec: 2, byte: 10, bit: 3 }]),
      trackCells([{ sec: 2, byte: 100, bit: 5 }]),
      trackCells([{ sec: 2, byte: 200, bit: 1 }, { sec: 4, byte: 50, bit: 6 }]),
    ]);
    const any = await readAnyCapture(scp, "revs.scp");
    if (any.kind !== "tracks") throw new Error("expected tracks");
    expect(any.tracks[0].revolutions?.length).toBe(3);
    const result = await decode(any.tracks[0].capture, OPTIONS, { recover: true, keepCrcInputs: true });
    // every copy as read: sector 2 bad three times, sector 4 once (recovery may take that copy's
    // bytes from another revolution read with another separator: recovered)
    const copies = sectorCopies(result, "revs.scp");
    expect(copies.map((c) => `${c.sec}${c.status === "good" ? "" : "!"}`)).toEqual(["1", "2!", "3", "4", "1", "2!", "3", "4", "1", "2!", "3", "4!"]);
    expect(copies.filter((c) => c.sec === 2).map((c) => c.status)).toEqual(["bad", "bad", "bad"]);
    const merged = mergeResults([{ result, source: "revs.scp" }]);
    expect(merged.map((m) => [m.sec, m.status, m.copies])).toEqual([[1, "good", 3], [2, "voted", 3], [3, "good", 3], [4, "good", 3]]);
    for (const m of merged) expect(hex(m.bytes), `sector ${m.sec}`).toBe(truth.get(m.sec));
    expect(merged[1].evidence.vote).toMatchObject({ copies: 3, contested: 3, erasures: 0, maxDissent: 1, verified: 1 });
    expect(merged[3].evidence).toMatchObject({ reads: 3, good: 2, chosen: 0, overruled: 0 });
    expect(merged[3].evidence.bad + merged[3].evidence.recovered).toBe(1);

    // the sector table: a status per copy, then one merged line per sector not good
    const table = sectorTable(result);
    expect(table).toContain("merged (up to 3 reads a sector): 3 good, 1 voted");
    expect(table).toMatch(/cyl 0 head 0 sec 2: voted \(vote over 3 copies, 3 contested bits\)/);

    // the image of it: one track, sector 2 voted, every byte the payload
    const img = assembleImage([{ result, source: "revs.scp" }]);
    expect(img.tracks[0].sectors.map((s) => s.status)).toEqual(["good", "voted", "good", "good"]);
    expect(hex(img.image)).toBe(sectorList().map((s) => hex(s.data)).join(""));
    expect(sectorMapText(img)).toContain("cyl 0 head 0  .v..  3 good, 1 voted");
    expect(sectorMapText(img)).toMatch(/cyl 0 head 0 sec 2: voted \(3 bad copies; a bit-wise vote over 3 verifies, 3 contested bits\)/);
  });

  it("without CRC inputs or with recovery off, the damaged sector stays bad", async () => {
    const scp = scpOf([trackCells([{ sec: 2, byte: 10, bit: 3 }]), trackCells([{ sec: 2, byte: 100, bit: 5 }]), trackCells([{ sec: 2, byte: 200, bit: 1 }])]);
    const any = await readAnyCapture(scp, "revs.scp");
    if (any.kind !== "tracks") throw new Error("expected tracks");
    const result = await decode(any.tracks[0].capture, OPTIONS);
    expect(mergeResults([result]).map((m) => m.status)).toEqual(["good", "bad", "good", "good"]);
    const withInputs = await decode(any.tracks[0].capture, OPTIONS, { keepCrcInputs: true });
    expect(assembleImage([{ result: withInputs }], { recover: false }).tracks[0].sectors[1].status).toBe("bad");
    expect(assembleImage([{ result: withInputs }]).tracks[0].sectors[1].status).toBe("voted");
  });
});

describe("diskflux image over several captures of one track", () => {
  let dir: string;
  const sink = () => {
    let text = "";
    return { stream: { write: (s: string | Uint8Array) => ((text += typeof s === "string" ? s : Buffer.from(s).toString()), true) } as unknown as NodeJS.WritableStream, text: () => text };
  };
  const vcd = (cells: Uint8Array, seed: number) => {
    const rate = 15e6;
    const edges = edgesOf(cells, rate, seed);
    return writeVcd(edgeCapture(edges, rate, { sampleCount: edges[edges.length - 1] + 1000 }));
  };
  const want = sectorList().map((s) => hex(s.data)).join("");

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "diskflux-merge-"));
    writeFileSync(join(dir, "a.vcd"), vcd(trackCells([]), 1));
    writeFileSync(join(dir, "b.vcd"), vcd(trackCells([], [3]), 2)); // sector 3's data CRC broken
    writeFileSync(join(dir, "v1.vcd"), vcd(trackCells([{ sec: 2, byte: 1, bit: 2 }]), 3));
    writeFileSync(join(dir, "v2.vcd"), vcd(trackCells([{ sec: 2, byte: 77, bit: 4 }]), 4));
    writeFileSync(join(dir, "v3.vcd"), vcd(trackCells([{ sec: 2, byte: 250, bit: 7 }]), 5));
    // one .tr holding the same track three times (as re-reads), sector 2 damaged in each
    const tr = (cells: Uint8Array, seed: number) => {
      const e = edgesOf(cells, 10e6, seed);
      return { cyl: 0, head: 0, capture: edgeCapture(e, 10e6, { sampleCount: e[e.length - 1] + 100 }) };
    };
    writeFileSync(join(dir, "rereads.tr"), writeTr([tr(trackCells([{ sec: 2, byte: 3, bit: 6 }]), 6), tr(trackCells([{ sec: 2, byte: 30, bit: 6 }]), 7), tr(trackCells([{ sec: 2, byte: 130, bit: 6 }]), 8)]));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const run = async (files: string[], extra: string[] = []) => {
    const out = sink(), err = sink();
    const code = await imageCommand([...files.map((f) => join(dir, f)), "-P", `mfm:${OPTIONS}`, "-o", join(dir, "disk.img"), "--json", ...extra], out.stream, err.stream);
    expect([code, err.text()]).toEqual([0, ""]);
    return { map: JSON.parse(out.text()), image: hex(readFileSync(join(dir, "disk.img"))) };
  };

  it("two captures, one damaged: the good copy wins, the bad one is counted", async () => {
    const { map, image } = await run(["a.vcd", "b.vcd"]);
    expect(map.tracks[0].map).toBe("....");
    expect(map.counts).toEqual({ good: 4, corrected: 0, recovered: 0, voted: 0, conflict: 0, bad: 0, missing: 0 });
    expect(map.tracks[0].sectors[2]).toMatchObject({ sec: 3, status: "good", reads: 2, good: 1, bad: 1, sources: ["a.vcd", "b.vcd"], evidence: { good: 1, bad: 1, chosen: 0 } });
    expect(image).toBe(want);
    // the damaged capture alone: sector 3 bad (one copy, nothing to vote over)
    const alone = await run(["b.vcd"]);
    expect(alone.map.tracks[0].map).toBe("..B.");
    expect(alone.map.tracks[0].sectors[2].evidence.vote).toBeUndefined();
  });

  it("three captures (or three copies in a .tr) each damaging sector 2 elsewhere: voted by default, bad with --no-recover", async () => {
    const voted = await run(["v1.vcd", "v2.vcd", "v3.vcd"]);
    expect(voted.map.tracks[0].map).toBe(".v..");
    expect(voted.map.tracks[0].sectors[1]).toMatchObject({ status: "voted", reads: 3, good: 0, bad: 3, evidence: { vote: { copies: 3, verified: 1 } } });
    expect(voted.image).toBe(want);
    // the same from three copies of the track in one .tr
    const fromTr = await run(["rereads.tr"]);
    expect(fromTr.map.tracks[0].map).toBe(".v..");
    expect(fromTr.map.tracks[0].sectors[1]).toMatchObject({ status: "voted", reads: 3, sources: ["rereads.tr cyl 0 head 0"] });
    expect(fromTr.image).toBe(want);
    const off = await run(["v1.vcd", "v2.vcd", "v3.vcd"], ["--no-recover"]);
    expect(off.map.tracks[0].map).toBe(".B..");
    expect(off.map.counts.bad).toBe(1);
    expect(off.image).not.toBe(want);
  });
});
