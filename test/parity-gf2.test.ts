// Parity of the GF(2) polynomial kernel: Wasm (assembly/gf2.ts) vs its
// TypeScript twin (src/kernels/gf2.ts) vs a BigInt reference, on random and
// adversarial polynomials; crcReverse against the forward CRC (crcOf) and
// crcCountMatches against a direct count. recovery-facts.md §B.2.
// Needs build/diskflux-wasm.ts: run `npm run asbuild` first (npm test does).
import { describe, it, expect, beforeAll } from "vitest";
import fc from "fast-check";
import { getGf2Kernel, type Gf2Kernel } from "../src/kernels/gf2-load";
import { GF2_SLOTS, GF2_SLOT_WORDS, GF2_SLOT_BITS, GF2_BYTES_CAP, GF2_MAX_RECORDS } from "../src/kernels/gf2-abi";
import { crcOf } from "../src/kernels/crc";
import { mulberry32 } from "../src/encode/flux";
import { DiskfluxError } from "../src/errors";

// ---- BigInt reference ----

/** Degree via the hex string (one native conversion, not a bit-by-bit scan). */
function deg(v: bigint): number {
  if (v === 0n) return -1;
  const h = v.toString(16);
  return (h.length - 1) * 4 + 31 - Math.clz32(parseInt(h[0], 16));
}

/** a mod b: schoolbook reduction, fed 32 bits at a time (Horner) so that huge dividends stay cheap. */
function refMod(a: bigint, b: bigint): bigint {
  const db = deg(b);
  const reduce = (r: bigint): bigint => {
    for (let dr = deg(r); dr >= db; dr = deg(r)) r ^= b << BigInt(dr - db);
    return r;
  };
  const da = deg(a);
  if (da < db) return a;
  let r = 0n;
  for (let i = Math.ceil((da + 1) / 32) - 1; i >= 0; i--) r = reduce((r << 32n) | ((a >> BigInt(32 * i)) & 0xffffffffn));
  return r;
}

function refGcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, refMod(a, b)];
  return a;
}

function refMul(a: bigint, b: bigint): bigint {
  if (deg(a) > deg(b)) [a, b] = [b, a];
  const bits = a.toString(2);
  let r = 0n;
  for (let i = 0; i < bits.length; i++) if (bits[bits.length - 1 - i] === "1") r ^= b << BigInt(i);
  return r;
}

function refStripX(a: bigint): [bigint, number] {
  if (a === 0n) return [0n, 0];
  const n = deg(a & -a); // the lowest set bit
  return [a >> BigInt(n), n];
}

function bytesToBig(b: Uint8Array): bigint {
  return b.length === 0 ? 0n : BigInt("0x" + Buffer.from(b.buffer, b.byteOffset, b.length).toString("hex"));
}

function wordsToBig(w: Uint32Array | number[]): bigint {
  let v = 0n;
  for (let i = w.length - 1; i >= 0; i--) v = (v << 32n) | BigInt(w[i] >>> 0);
  return v;
}

function getSlot(k: Gf2Kernel, s: number): bigint {
  const base = s * GF2_SLOT_WORDS;
  let h = "0x";
  for (let i = GF2_SLOT_WORDS - 1; i >= 0; i--) h += k.words[base + i].toString(16).padStart(8, "0");
  return BigInt(h);
}

function setSlot(k: Gf2Kernel, s: number, v: bigint): void {
  expect(deg(v)).toBeLessThan(GF2_SLOT_BITS);
  const base = s * GF2_SLOT_WORDS;
  const h = v.toString(16).padStart(GF2_SLOT_WORDS * 8, "0");
  for (let i = 0; i < GF2_SLOT_WORDS; i++) k.words[base + i] = parseInt(h.slice(h.length - 8 * (i + 1), h.length - 8 * i), 16);
}

// ---- Inputs ----

const GENERATORS = [
  0x11021n, 0x1_00a00805n, 0x1_140a0445n, 0x1_0104c981n, 0x1_41044185n, 0x1_181814503011n, 0x1_140a0445000101n,
];
const SLOT_MAX = (1n << BigInt(GF2_SLOT_BITS)) - 1n;

const arbWordsPoly = (maxWords: number) =>
  fc.uint32Array({ minLength: 0, maxLength: maxWords }).map((w) => wordsToBig(w));

/** Random and adversarial polynomials that fit a slot (sizes mostly up to ~5000 bits). */
const arbPoly: fc.Arbitrary<bigint> = fc.oneof(
  { arbitrary: arbWordsPoly(160), weight: 6 },
  { arbitrary: arbWordsPoly(8), weight: 3 },
  { arbitrary: fc.constantFrom(0n, 1n, 2n, 3n, ...GENERATORS), weight: 3 },
  { arbitrary: fc.integer({ min: 0, max: 5000 }).map((k) => 1n << BigInt(k)), weight: 2 },
  { arbitrary: fc.integer({ min: 0, max: GF2_SLOT_BITS - 1 }).map((k) => 1n << BigInt(k)), weight: 1 },
  { arbitrary: fc.tuple(fc.constantFrom(...GENERATORS), arbWordsPoly(130)).map(([g, q]) => refMul(g, q)), weight: 2 },
  { arbitrary: fc.tuple(arbWordsPoly(4), fc.integer({ min: 0, max: 4200 })).map(([v, s]) => v << BigInt(s)), weight: 2 },
);

/** Polynomials whose top bits lie in the slot's last word, and the all-ones slot. */
const arbHuge: fc.Arbitrary<bigint> = fc.oneof(
  fc.constant(SLOT_MAX),
  fc.constant(1n << BigInt(GF2_SLOT_BITS - 1)),
  fc.constant((1n << BigInt(GF2_SLOT_BITS - 1)) | 1n),
  fc.tuple(fc.uint32Array({ minLength: 4, maxLength: 4 }), fc.integer({ min: 1, max: 32 })).map(([w, t]) =>
    (wordsToBig(w) | 1n) << BigInt(GF2_SLOT_BITS - 128 - t)),
  fc.uint32Array({ minLength: GF2_SLOT_WORDS, maxLength: GF2_SLOT_WORDS }).map((w) => wordsToBig(w) | (1n << BigInt(GF2_SLOT_BITS - 1))),
);

const arbSlot = fc.integer({ min: 0, max: GF2_SLOTS - 1 });
const arbPair = fc.oneof(
  { arbitrary: fc.tuple(arbSlot, arbSlot).filter(([a, b]) => a !== b), weight: 5 },
  { arbitrary: arbSlot.map((a): [number, number] => [a, a]), weight: 1 },
);

const mask = (w: number): bigint => (1n << BigInt(w)) - 1n;
const split = (v: bigint): [number, number] => [Number((v >> 32n) & 0xffffffffn), Number(v & 0xffffffffn)];
const arbWidth = fc.constantFrom(8, 16, 24, 32, 40, 48, 56);
/** An odd poly for a width: one of the generators (masked: x^W implied) or random. */
const arbCrcPoly = (w: number): fc.Arbitrary<bigint> => {
  const random = fc.bigInt({ min: 0n, max: mask(w) }).map((p) => p | 1n);
  const known = GENERATORS.filter((g) => deg(g) === w).map((g) => g & mask(w));
  return known.length ? fc.oneof(fc.constantFrom(...known), random) : random;
};

// ---- Harness ----

let wasm: Gf2Kernel;
let js: Gf2Kernel;

beforeAll(async () => {
  wasm = await getGf2Kernel("wasm");
  js = await getGf2Kernel("js");
});

/** Same initial slots in both backends: the given values, and the other slots random noise. */
function setup(values: Map<number, bigint>, seed: number): void {
  const rnd = mulberry32(seed);
  for (let s = 0; s < GF2_SLOTS; s++) {
    const v = values.get(s);
    if (v !== undefined) setSlot(js, s, v);
    else {
      const base = s * GF2_SLOT_WORDS;
      js.words.fill(0, base, base + GF2_SLOT_WORDS);
      for (let i = 0; i < 8; i++) js.words[base + i] = (rnd() * 2 ** 32) >>> 0;
    }
  }
  wasm.words.set(js.words);
}

function sameState(): void {
  // full-array equality, also catching writes outside the intended slots
  expect(Buffer.from(wasm.words.buffer, wasm.words.byteOffset, wasm.words.byteLength)
    .equals(Buffer.from(js.words.buffer, js.words.byteOffset, js.words.byteLength))).toBe(true);
}

function both<T>(f: (k: Gf2Kernel) => T): T {
  const a = f(wasm);
  const b = f(js);
  expect(a).toEqual(b);
  sameState();
  return b;
}

function loadBytes(data: Uint8Array): void {
  wasm.bytes.set(data);
  js.bytes.set(data);
}

const RUNS = { numRuns: 150 };

// ---- Polynomial ops ----

describe("gf2 kernel parity (Wasm vs TS vs BigInt)", () => {
  it("has the advertised sizes", () => {
    expect(GF2_SLOTS).toBeGreaterThanOrEqual(6);
    expect(GF2_SLOT_WORDS).toBeGreaterThanOrEqual(2112);
    expect(GF2_BYTES_CAP).toBeGreaterThanOrEqual(65536);
    for (const k of [wasm, js]) {
      expect(k.words.length).toBe(GF2_SLOTS * GF2_SLOT_WORDS);
      expect(k.bytes.length).toBe(GF2_BYTES_CAP);
    }
    expect(wasm.backend).toBe("wasm");
    expect(js.backend).toBe("js");
  });

  it("gf2Load: MSB of bytes[0] is the top coefficient", () => {
    const maxLen = GF2_SLOT_BITS / 8;
    fc.assert(fc.property(
      fc.oneof(
        fc.uint8Array({ minLength: 0, maxLength: 700 }),
        fc.integer({ min: 0, max: 12 }).map((n) => new Uint8Array(n)),
        fc.uint8Array({ minLength: maxLen - 3, maxLength: maxLen }),
        fc.constant(new Uint8Array(maxLen).fill(0xff)),
      ),
      arbSlot, fc.integer(),
      (data, slot, seed) => {
        setup(new Map([[slot, SLOT_MAX]]), seed);
        loadBytes(data);
        const d = both((k) => k.gf2Load(slot, data.length));
        const v = bytesToBig(data);
        expect(d).toBe(deg(v));
        expect(getSlot(js, slot)).toBe(v);
      }), RUNS);
  });

  it("gf2Degree and gf2Set64", () => {
    fc.assert(fc.property(fc.oneof(arbPoly, arbHuge), arbSlot, fc.integer(), (v, slot, seed) => {
      setup(new Map([[slot, v]]), seed);
      expect(both((k) => k.gf2Degree(slot))).toBe(deg(v));
    }), RUNS);
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), arbSlot, fc.integer(), (v, slot, seed) => {
      setup(new Map([[slot, SLOT_MAX]]), seed);
      const [hi, lo] = split(v);
      both((k) => k.gf2Set64(slot, hi, lo));
      expect(getSlot(js, slot)).toBe(v);
      expect(both((k) => k.gf2Degree(slot))).toBe(deg(v));
    }), RUNS);
  });

  it("gf2Xor", () => {
    fc.assert(fc.property(fc.oneof(arbPoly, arbHuge), fc.oneof(arbPoly, arbHuge), arbPair, fc.integer(), (x, y, [a, b], seed) => {
      setup(a === b ? new Map([[a, x]]) : new Map([[a, x], [b, y]]), seed);
      const want = a === b ? 0n : x ^ y;
      expect(both((k) => k.gf2Xor(a, b))).toBe(deg(want));
      expect(getSlot(js, a)).toBe(want);
      if (a !== b) expect(getSlot(js, b)).toBe(y);
    }), RUNS);
  });

  it("gf2Mod", () => {
    fc.assert(fc.property(
      fc.oneof({ arbitrary: arbPoly, weight: 5 }, { arbitrary: arbHuge, weight: 1 }),
      arbPoly.filter((v) => v !== 0n), arbPair, fc.integer(),
      (x, y, [a, b], seed) => {
        setup(a === b ? new Map([[a, y]]) : new Map([[a, x], [b, y]]), seed);
        const want = a === b ? 0n : refMod(x, y);
        expect(both((k) => k.gf2Mod(a, b))).toBe(deg(want));
        expect(getSlot(js, a)).toBe(want);
        if (a !== b) expect(getSlot(js, b)).toBe(y);
      }), RUNS);
  });

  it("gf2Gcd (b ends zero)", () => {
    fc.assert(fc.property(arbPoly, arbPoly, arbPoly, arbPair, fc.integer(), (x, y, common, [a, b], seed) => {
      // half the cases share a nontrivial common factor
      const px = common !== 0n && deg(x) + deg(common) < 9000 ? refMul(x, common) : x;
      const py = common !== 0n && deg(y) + deg(common) < 9000 ? refMul(y, common) : y;
      setup(a === b ? new Map([[a, px]]) : new Map([[a, px], [b, py]]), seed);
      const want = a === b ? px : refGcd(px, py);
      expect(both((k) => k.gf2Gcd(a, b))).toBe(deg(want));
      expect(getSlot(js, a)).toBe(want);
      if (a !== b) expect(getSlot(js, b)).toBe(0n);
    }), RUNS);
  });

  it("gf2Gcd of equal operands, zero operands and max-size slots", () => {
    const cases: [bigint, bigint][] = [
      [0n, 0n], [0n, 1n], [1n, 0n], [0n, 0x11021n], [0x11021n, 0n], [1n, 1n],
      [0x1_140a0445n, 0x1_140a0445n], [SLOT_MAX, SLOT_MAX], [SLOT_MAX, 0n], [0n, SLOT_MAX],
      [SLOT_MAX, 0x1_140a0445000101n], [1n << BigInt(GF2_SLOT_BITS - 1), 1n << 4000n],
      [(1n << BigInt(GF2_SLOT_BITS - 1)) | 1n, 0x1_181814503011n],
      [refMul(0x1_00a00805n, 1n << 5000n), refMul(0x1_00a00805n, 0x1_41044185n)],
    ];
    cases.forEach(([x, y], i) => {
      setup(new Map([[2, x], [5, y]]), i);
      const want = refGcd(x, y);
      expect(both((k) => k.gf2Gcd(2, 5))).toBe(deg(want));
      expect(getSlot(js, 2)).toBe(want);
      expect(getSlot(js, 5)).toBe(0n);
    });
  });

  it("gf2StripX", () => {
    fc.assert(fc.property(fc.oneof(arbPoly, arbHuge), arbSlot, fc.integer(), (v, slot, seed) => {
      setup(new Map([[slot, v]]), seed);
      const [want, n] = refStripX(v);
      expect(both((k) => k.gf2StripX(slot))).toBe(n);
      expect(getSlot(js, slot)).toBe(want);
    }), RUNS);
  });

  it("gf2Mul", () => {
    const fits = fc.tuple(fc.oneof(arbPoly, arbHuge), arbPoly).filter(([x, y]) => deg(x) + deg(y) < GF2_SLOT_BITS);
    fc.assert(fc.property(fits, arbPair, fc.integer(), ([x, y], [a, b], seed) => {
      const yy = a === b ? x : y;
      if (a === b && 2 * deg(x) >= GF2_SLOT_BITS) return;
      setup(a === b ? new Map([[a, x]]) : new Map([[a, x], [b, y]]), seed);
      const want = refMul(x, yy);
      expect(both((k) => k.gf2Mul(a, b))).toBe(deg(want));
      expect(getSlot(js, a)).toBe(want);
      if (a !== b) expect(getSlot(js, b)).toBe(y);
    }), { numRuns: 80 });
  });

  it("gf2Mul refuses a product that does not fit, and gf2Mod a zero divisor (same error, slots unchanged)", () => {
    for (const k of [wasm, js]) {
      setSlot(k, 0, 1n << BigInt(GF2_SLOT_BITS - 10));
      setSlot(k, 1, 1n << 10n);
      expect(() => k.gf2Mul(0, 1)).toThrow(DiskfluxError);
      expect(getSlot(k, 0)).toBe(1n << BigInt(GF2_SLOT_BITS - 10));
      setSlot(k, 1, 1n << 9n);
      expect(k.gf2Mul(0, 1)).toBe(GF2_SLOT_BITS - 1);
      setSlot(k, 1, 0n);
      expect(() => k.gf2Mod(0, 1)).toThrow(expect.objectContaining({ code: "E_ARGUMENT" }));
      expect(getSlot(k, 0)).toBe(1n << BigInt(GF2_SLOT_BITS - 1));
    }
  });

  it("rejects bad arguments with E_ARGUMENT on both backends", () => {
    for (const k of [wasm, js]) {
      const bad = [
        () => k.gf2Degree(GF2_SLOTS), () => k.gf2Degree(-1), () => k.gf2Xor(0, 1.5),
        () => k.gf2Load(0, GF2_SLOT_BITS / 8 + 1), () => k.gf2Load(0, -1),
        () => k.crcReverse(12, 0, 0x1021, 0, 0, 1), () => k.crcReverse(64, 0, 0x1021, 0, 0, 1),
        () => k.crcReverse(16, 0, 0x1020, 0, 0, 1), () => k.crcReverse(16, 0, 0x1021, 0, 0, GF2_BYTES_CAP + 1),
        () => k.crcCountMatches(16, 0, 0x1021, 0, 0, GF2_MAX_RECORDS + 1),
      ];
      for (const f of bad) expect(f).toThrow(expect.objectContaining({ code: "E_ARGUMENT" }));
      k.words[0] = GF2_BYTES_CAP - 3;
      k.words[1] = 2;
      expect(() => k.crcCountMatches(16, 0, 0x1021, 0, 0xffff, 1)).toThrow(expect.objectContaining({ code: "E_ARGUMENT" }));
      k.words[1] = 1;
      expect(() => k.crcCountMatches(16, 0, 0x1021, 0, 0xffff, 1)).not.toThrow();
    }
  });

  it("getGf2Kernel caches one kernel per backend and rejects unknown backends", async () => {
    expect(await getGf2Kernel("wasm")).toBe(wasm);
    expect(await getGf2Kernel("js")).toBe(js);
    expect(await getGf2Kernel()).toBe(wasm);
    await expect(getGf2Kernel("gpu" as "js")).rejects.toMatchObject({ code: "E_ARGUMENT" });
  });
});

// ---- CRC helpers ----

describe("gf2 CRC helpers", () => {
  it("crcReverse: the forward CRC from the returned init ends in final", () => {
    fc.assert(fc.property(
      arbWidth.chain((w) => fc.tuple(fc.constant(w), arbCrcPoly(w), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }))),
      fc.oneof(fc.uint8Array({ minLength: 0, maxLength: 600 }), fc.integer({ min: 0, max: 9 }).map((n) => new Uint8Array(n))),
      ([w, poly, fin], msg) => {
        loadBytes(msg);
        const [ph, pl] = split(poly);
        const [fh, fl] = split(fin);
        const init = both((k) => k.crcReverse(w, ph, pl, fh, fl, msg.length));
        const iv = (BigInt(init[0]) << 32n) | BigInt(init[1]);
        expect(iv).toBeLessThanOrEqual(mask(w));
        expect(crcOf(w, poly, iv, msg)).toBe(fin & mask(w));
      }), RUNS);
  });

  it("crcReverse over the whole byte region and with the x^W term included", () => {
    const rnd = mulberry32(7);
    const msg = new Uint8Array(GF2_BYTES_CAP).map(() => (rnd() * 256) | 0);
    loadBytes(msg);
    for (const g of GENERATORS) {
      const w = deg(g);
      const [ph, pl] = split(g); // leading x^W term included: masked off by the kernel
      const init = both((k) => k.crcReverse(w, ph, pl, 0x12345678, 0x9abcdef0, msg.length));
      expect(crcOf(w, g, (BigInt(init[0]) << 32n) | BigInt(init[1]), msg)).toBe(0x123456789abcdef0n & mask(w));
    }
    // known value: CRC-CCITT init 0xFFFF over A1 A1 A1 is 0xCDB4 (recovery-facts §B.2)
    loadBytes(new Uint8Array([0xa1, 0xa1, 0xa1]));
    expect(both((k) => k.crcReverse(16, 0, 0x1021, 0, 0xcdb4, 3))).toEqual([0, 0xffff]);
  });

  it("crcCountMatches equals a direct count", () => {
    const arbCase = arbWidth.chain((w) => fc.record({
      w: fc.constant(w),
      poly: arbCrcPoly(w),
      init: fc.bigInt({ min: 0n, max: mask(w) }),
      recs: fc.array(fc.record({
        msg: fc.oneof(fc.uint8Array({ maxLength: 600 }), fc.uint8Array({ maxLength: 3 })),
        kind: fc.constantFrom("good", "good", "flip", "random"),
        flip: fc.nat(),
        check: fc.bigInt({ min: 0n, max: mask(w) }),
      }), { maxLength: 40 }),
    }));
    fc.assert(fc.property(arbCase, ({ w, poly, init, recs }) => {
      const cb = w / 8;
      const buf: number[] = [];
      const table: number[] = [];
      let expected = 0;
      for (const r of recs) {
        let check = r.kind === "random" ? r.check : crcOf(w, poly, init, r.msg);
        if (r.kind === "flip") check ^= 1n << BigInt(r.flip % w);
        if (crcOf(w, poly, init, r.msg) === check) expected++;
        table.push(buf.length, r.msg.length);
        buf.push(...r.msg);
        for (let j = cb - 1; j >= 0; j--) buf.push(Number((check >> BigInt(8 * j)) & 0xffn));
      }
      loadBytes(Uint8Array.from(buf));
      wasm.words.fill(0);
      js.words.fill(0);
      wasm.words.set(table);
      js.words.set(table);
      const [ph, pl] = split(poly);
      const [ih, il] = split(init);
      expect(both((k) => k.crcCountMatches(w, ph, pl, ih, il, recs.length))).toBe(expected);
    }), RUNS);
  });

  it("solves poly and init from records (§B.2): gcd of codeword differences, stripX, then crcReverse", () => {
    const rnd = mulberry32(20240601);
    for (const g of GENERATORS) {
      const w = deg(g);
      const init = BigInt(Math.floor(rnd() * 2 ** 32)) & mask(w);
      const recs: Uint8Array[] = [];
      for (let r = 0; r < 8; r++) {
        const msg = new Uint8Array(512).map(() => (rnd() * 256) | 0);
        const crc = crcOf(w, g, init, msg);
        const rec = new Uint8Array(512 + w / 8);
        rec.set(msg);
        for (let j = 0; j < w / 8; j++) rec[512 + j] = Number((crc >> BigInt(8 * (w / 8 - 1 - j))) & 0xffn);
        recs.push(rec);
      }
      for (const k of [wasm, js]) {
        k.bytes.set(recs[0]);
        k.gf2Load(0, recs[0].length);
        k.words.fill(0, 2 * GF2_SLOT_WORDS, 3 * GF2_SLOT_WORDS); // slot 2: running gcd
        for (let r = 1; r < recs.length; r++) {
          k.bytes.set(recs[r]);
          k.gf2Load(1, recs[r].length);
          k.gf2Xor(1, 0);
          k.gf2Gcd(2, 1);
        }
        k.gf2StripX(2);
        expect(k.gf2Degree(2)).toBe(w);
        expect(getSlot(k, 2)).toBe(g);
        // init from one record: run the CRC back from its stored check over its message
        k.bytes.set(recs[3]);
        const check = bytesToBig(recs[3].subarray(512));
        const [ph, pl] = split(g);
        const [ch, cl] = split(check);
        const [ih, il] = k.crcReverse(w, ph, pl, ch, cl, 512);
        expect((BigInt(ih) << 32n) | BigInt(il)).toBe(init);
        // and every record verifies with it
        const table = recs.flatMap((rec, i) => [i * rec.length, 512]);
        recs.forEach((rec, i) => k.bytes.set(rec, i * rec.length));
        k.words.fill(0, 0, GF2_SLOT_WORDS);
        k.words.set(table);
        expect(k.crcCountMatches(w, ph, pl, ih, il, recs.length)).toBe(recs.length);
      }
    }
  });
});
