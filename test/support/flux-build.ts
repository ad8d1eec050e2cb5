// Hand-built flux files for the reader tests: small SCP, KryoFlux stream and
// HFE files with every field under the test's control (so a declared value can
// disagree with the data), plus converters from synthesized edges / cells.

// ---------------------------------------------------------------- SCP

export interface ScpRevSpec {
  /** Index time in ticks (default: the sum of the revolution's ticks). */
  readonly indexTicks?: number;
  /** 16-bit flux words as stored (0 = overflow). */
  readonly words: readonly number[] | Uint16Array;
}

export interface ScpTrackSpec {
  readonly track: number;
  readonly revs: readonly ScpRevSpec[];
  /** The track number written after "TRK" (default `track`). */
  readonly trk?: number;
}

export interface ScpSpec {
  readonly tracks: readonly ScpTrackSpec[];
  /** Revolutions per track in the header (default: the first track's count). */
  readonly revs?: number;
  readonly flags?: number;
  readonly heads?: number;
  readonly resolution?: number;
  readonly cellWidth?: number;
  readonly start?: number;
  readonly end?: number;
  /** Stored checksum; default the right one. */
  readonly checksum?: number;
  readonly diskType?: number;
}

/** Tick counts between transitions -> SCP words (0 words carry 65536 each). */
export function ticksToWords(ticks: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < ticks.length; i++) {
    let d = ticks[i];
    if (!(d > 0) || d % 65536 === 0) throw new Error(`tick count ${d} cannot be stored`);
    while (d > 65535) {
      out.push(0);
      d -= 65536;
    }
    out.push(d);
  }
  return out;
}

/** Edges (increasing sample numbers from 0) -> the ticks between them. */
export function edgesToTicks(edges: ArrayLike<number>, from = 0): number[] {
  const out: number[] = [];
  let prev = from;
  for (let i = 0; i < edges.length; i++) {
    out.push(Math.round(edges[i] - prev));
    prev = Math.round(edges[i]);
  }
  return out;
}

export function buildScp(o: ScpSpec): Uint8Array {
  const revs = o.revs ?? o.tracks[0]?.revs.length ?? 1;
  const numbers = o.tracks.map((t) => t.track);
  const start = o.start ?? (numbers.length ? Math.min(...numbers) : 0);
  const end = o.end ?? (numbers.length ? Math.max(...numbers) : 0);
  const tableEnd = 0x10 + 4 * 168;
  let size = tableEnd;
  const layout = o.tracks.map((t) => {
    const at = size;
    const headLen = 4 + 12 * revs;
    const dataLen = t.revs.reduce((s, r) => s + 2 * r.words.length, 0);
    size += headLen + dataLen;
    return { t, at, headLen };
  });
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  out.set([0x53, 0x43, 0x50], 0);
  out[3] = 0x19;
  out[4] = o.diskType ?? 0x80;
  out[5] = revs;
  out[6] = start;
  out[7] = end;
  out[8] = o.flags ?? 0x01;
  out[9] = o.cellWidth ?? 0;
  out[10] = o.heads ?? 0;
  out[11] = o.resolution ?? 0;
  for (const { t, at, headLen } of layout) {
    v.setUint32(0x10 + 4 * t.track, at, true);
    out.set([0x54, 0x52, 0x4b, t.trk ?? t.track], at);
    let data = headLen;
    t.revs.forEach((r, k) => {
      const e = at + 4 + 12 * k;
      let ticks = 0;
      for (const w of r.words) ticks += w === 0 ? 65536 : w;
      v.setUint32(e, r.indexTicks ?? ticks, true);
      v.setUint32(e + 4, r.words.length, true);
      v.setUint32(e + 8, data, true);
      for (let i = 0; i < r.words.length; i++) v.setUint16(at + data + 2 * i, r.words[i], false);
      data += 2 * r.words.length;
    });
  }
  let sum = 0;
  for (let i = 0x10; i < out.length; i++) sum = (sum + out[i]) >>> 0;
  v.setUint32(0x0c, o.checksum ?? sum, true);
  return out;
}

// ---------------------------------------------------------------- KryoFlux

export type KfOp =
  | { readonly flux: number; readonly as?: "flux1" | "flux2" | "flux3" }
  | { readonly ovl: number }
  | { readonly nop: 1 | 2 | 3 }
  | { readonly info: string }
  | { readonly streamInfo: true; readonly pos?: number }
  | { readonly index: true; readonly pos?: number; readonly sampleCounter?: number; readonly indexCounter?: number }
  | { readonly end: true; readonly pos?: number; readonly result?: number }
  | { readonly oob: number; readonly payload: readonly number[]; readonly size?: number }
  | { readonly eof: true }
  | { readonly raw: readonly number[]; readonly isb?: boolean };

function u32le(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}

/** Assembles a stream; stream positions default to the ISB bytes written so far. */
export function buildKf(ops: readonly KfOp[]): Uint8Array {
  const out: number[] = [];
  let isb = 0;
  const isbPush = (...b: number[]) => {
    out.push(...b);
    isb += b.length;
  };
  const oob = (type: number, payload: number[], size = payload.length) => out.push(0x0d, type, size & 0xff, size >> 8, ...payload);
  for (const op of ops) {
    if ("flux" in op) {
      let v = op.flux;
      while (v > 0xffff) {
        isbPush(0x0b);
        v -= 0x10000;
      }
      const as = op.as ?? (v >= 0x0e && v <= 0xff ? "flux1" : v <= 0x7ff ? "flux2" : "flux3");
      if (as === "flux1") isbPush(v);
      else if (as === "flux2") isbPush(v >> 8, v & 0xff);
      else isbPush(0x0c, v >> 8, v & 0xff);
    } else if ("ovl" in op) for (let i = 0; i < op.ovl; i++) isbPush(0x0b);
    else if ("nop" in op) isbPush(...(op.nop === 1 ? [0x08] : op.nop === 2 ? [0x09, 0xaa] : [0x0a, 0xbb, 0xcc]));
    else if ("info" in op) {
      const text = [...op.info].map((c) => c.charCodeAt(0));
      oob(0x04, [...text, 0]);
    } else if ("streamInfo" in op) oob(0x01, [...u32le(op.pos ?? isb), ...u32le(7)]);
    else if ("index" in op) oob(0x02, [...u32le(op.pos ?? isb), ...u32le(op.sampleCounter ?? 0), ...u32le(op.indexCounter ?? 0)]);
    else if ("end" in op) oob(0x03, [...u32le(op.pos ?? isb), ...u32le(op.result ?? 0)]);
    else if ("oob" in op) oob(op.oob, [...op.payload], op.size);
    else if ("eof" in op) out.push(0x0d, 0x0d, 0x0d, 0x0d);
    else if ("raw" in op) {
      out.push(...op.raw);
      if (op.isb) isb += op.raw.length;
    }
  }
  return new Uint8Array(out);
}

/** A whole stream from transition times (sck samples) and index times, as a device would send it. */
export function edgesToKf(edges: ArrayLike<number>, indexes: readonly number[], sck?: number, ick?: number): Uint8Array {
  const ops: KfOp[] = [{ info: `name=test, version=1${sck ? `, sck=${sck}` : ""}${ick ? `, ick=${ick}` : ""}` }];
  let prev = 0;
  let ix = 0;
  const indexOp = (at: number) => ({ index: true as const, sampleCounter: Math.round(at - prev), indexCounter: Math.round((at / (sck ?? 24027428.5714285)) * (ick ?? 3003428.5714285625)) });
  for (let i = 0; i < edges.length; i++) {
    const e = Math.round(edges[i]);
    while (ix < indexes.length && indexes[ix] <= e) ops.push(indexOp(indexes[ix++]));
    ops.push({ flux: e - prev });
    prev = e;
    if (i % 4000 === 3999) ops.push({ streamInfo: true });
  }
  while (ix < indexes.length) ops.push(indexOp(indexes[ix++]));
  ops.push({ end: true }, { eof: true });
  return buildKf(ops);
}

// ---------------------------------------------------------------- HFE

export interface HfeSpec {
  readonly version: 1 | 3;
  /** Per cylinder, per side: the side's bytes as stored (bit 0 first). */
  readonly tracks: readonly (readonly Uint8Array[])[];
  readonly sides?: number;
  /** kbit/s (default 250). */
  readonly bitRate?: number;
  readonly revision?: number;
  readonly encoding?: number;
  /** Track list offset in blocks (default 1). */
  readonly listBlock?: number;
  /** Per cylinder: override the stored length (bytes, both sides). */
  readonly lengths?: readonly (number | undefined)[];
}

/** Cells (0/1 each) -> HFE bytes, least significant bit first. */
export function cellsToHfe(cells: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(Math.ceil(cells.length / 8));
  for (let i = 0; i < cells.length; i++) if (cells[i] & 1) out[i >> 3] |= 1 << (i & 7);
  return out;
}

/** A byte as HFE stores it for a bit-reversed (MSB-first) value such as an opcode. */
export function hfeByte(msbFirst: number): number {
  let r = 0;
  for (let b = 0; b < 8; b++) if (msbFirst & (1 << b)) r |= 0x80 >> b;
  return r;
}

export function buildHfe(o: HfeSpec): Uint8Array {
  const sides = o.sides ?? Math.max(1, ...o.tracks.map((t) => t.length));
  const cyl = o.tracks.length;
  const listBlock = o.listBlock ?? 1;
  const listBlocks = Math.max(1, Math.ceil((4 * cyl) / 512));
  let block = listBlock + listBlocks;
  const placed = o.tracks.map((t) => {
    const sideLen = Math.max(0, ...t.map((s) => s.length));
    const blocks = Math.ceil(sideLen / 256);
    const at = block;
    block += blocks;
    return { t, at, sideLen, blocks };
  });
  const out = new Uint8Array(block * 512).fill(0);
  out.fill(0xff, 0, 512);
  const v = new DataView(out.buffer);
  out.set([...(o.version === 3 ? "HXCHFEV3" : "HXCPICFE")].map((c) => c.charCodeAt(0)), 0);
  out[8] = o.revision ?? 0;
  out[9] = cyl;
  out[10] = sides;
  out[11] = o.encoding ?? 0;
  v.setUint16(12, o.bitRate ?? 250, true);
  v.setUint16(14, 300, true);
  out[16] = 7;
  out[17] = 0;
  v.setUint16(18, listBlock, true);
  placed.forEach(({ t, at, sideLen }, c) => {
    v.setUint16(listBlock * 512 + 4 * c, at, true);
    v.setUint16(listBlock * 512 + 4 * c + 2, o.lengths?.[c] ?? 2 * sideLen, true);
    t.forEach((side, h) => {
      for (let j = 0; j < side.length; j++) out[at * 512 + Math.floor(j / 256) * 512 + h * 256 + (j % 256)] = side[j];
    });
  });
  return out;
}
