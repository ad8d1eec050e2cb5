// CRC parameters seen on real controllers: tried first, before solving.
//
// Polynomials are the low W bits (x^W implied), MSB first, unreflected, no
// final XOR — the only model sigrok-disk has (spec §5.4). An init listed here
// is the register value for the bytes the decoder feeds to the CRC (the A1
// list, the mark and the record, spec §5.4 table); dgesswein's values cover
// their own byte ranges and only serve as a second ring of single-record evidence.
//
// Sources: spec §5.5 (the original's README list) and
// ../shared/docs/recovery-facts.md §B.4 and §C.4 (dgesswein/mfm
// mfm_decoder.h controller table and analyze.c init list).

export interface KnownPoly {
  width: 16 | 32 | 48 | 56;
  poly: bigint;
  use: string;
}

export const KNOWN_POLYS: readonly KnownPoly[] = [
  { width: 16, poly: 0x1021n, use: "CRC-CCITT (floppies, most MFM headers)" },
  { width: 16, poly: 0x8005n, use: "CRC-16 (Xerox 8010, Corvus, Cromemco, PERQ)" },
  { width: 32, poly: 0xa00805n, use: "SMC HDC9224 / DEC RQDX3 CRC-32" },
  { width: 32, poly: 0x140a0445n, use: "WD1003/WD1006/WD1100 CRC-32" },
  { width: 32, poly: 0x41044185n, use: "Seagate ST11/ST21, Adaptec CRC-32" },
  { width: 32, poly: 0x0104c981n, use: "OMTI 5510/8240 CRC-32" },
  { width: 32, poly: 0x10183031n, use: "Shugart 1610 / CD9963 ECC-32" },
  { width: 32, poly: 0x00105187n, use: "DSD 5217 CRC-32" },
  { width: 32, poly: 0x5140c101n, use: "DJ II ECC-32" },
  { width: 32, poly: 0x10210191n, use: "Motorola MVME320 ECC-32" },
  { width: 48, poly: 0x181814503011n, use: "OMTI 8247 / Adaptec ECC-48" },
  { width: 56, poly: 0x140a0445000101n, use: "WD40C22 family ECC-56" },
  { width: 56, poly: 0x8222f0804bda23n, use: "Nixdorf 8870 ECC-56" },
];

/** Init values known per width; all-zero and all-ones are known at every width. */
const KNOWN_INITS: Record<number, readonly bigint[]> = {
  16: [0x7107n, 0x551an, 0xe60cn, 0x8026n],
  32: [
    0x2605fb9cn, 0xd4d7ca20n, 0x409e10aan, 0xe2277da8n, 0x84a36c27n, 0xed800493n, 0xec1f077fn, 0xde60050cn,
    0x03affc1dn, 0xbe87fbf4n, 0x58e07342n, 0xcf2105e0n, 0x920d65c0n, 0xef26129dn, 0x6e958e56n, 0x85271cf0n,
    0x3b4292c3n, 0xd1e92a5bn,
  ],
  48: [0x6062ebbf22b4n, 0x010000000000n],
  56: [],
};

export function isKnownInit(width: number, init: bigint): boolean {
  const ones = (1n << BigInt(width)) - 1n;
  return init === 0n || init === ones || (KNOWN_INITS[width] ?? []).includes(init);
}

export function knownPolys(width: number): bigint[] {
  return KNOWN_POLYS.filter((p) => p.width === width).map((p) => p.poly);
}
