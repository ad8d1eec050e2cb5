// A minimal DSView .dsl writer for tests (diskflux has no .dsl writer): a ZIP
// with the INI "header" and one member per channel and block, each block a bit
// plane (sample 8i + b is bit b of byte i).
//
// bigDsl() builds a session of any length cheaply: each block repeats one bit
// plane, compressed once as deflate blocks ending in a sync flush, so the
// compressed copies can simply be laid one after the other (a deflate stream
// is a series of blocks) and closed by an empty final block.
import { deflateRawSync, constants, crc32 as zlibCrc32 } from "node:zlib";
import type { LogicCapture } from "../../src/capture.js";

interface Member { name: string; data: Uint8Array; method: 0 | 8; size: number; crc: number }

/** A ZIP archive of the given members (no data descriptors, no ZIP64). */
export function zipMembers(members: readonly Member[]): Uint8Array {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const m of members) {
    const name = enc.encode(m.name);
    const local = new Uint8Array(30 + name.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true);
    lv.setUint16(8, m.method, true);
    lv.setUint32(14, m.crc >>> 0, true);
    lv.setUint32(18, m.data.length, true);
    lv.setUint32(22, m.size, true);
    lv.setUint16(26, name.length, true);
    local.set(name, 30);
    const cd = new Uint8Array(46 + name.length);
    const cv = new DataView(cd.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint16(10, m.method, true);
    cv.setUint32(16, m.crc >>> 0, true);
    cv.setUint32(20, m.data.length, true);
    cv.setUint32(24, m.size, true);
    cv.setUint16(28, name.length, true);
    cv.setUint32(42, offset, true);
    cd.set(name, 46);
    parts.push(local, m.data);
    central.push(cd);
    offset += local.length + m.data.length;
  }
  const cdSize = central.reduce((a, c) => a + c.length, 0);
  const eocd = new Uint8Array(22);
  const ev = new DataView(eocd.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, members.length, true);
  ev.setUint16(10, members.length, true);
  ev.setUint32(12, cdSize, true);
  ev.setUint32(16, offset, true);
  const all = [...parts, ...central, eocd];
  const out = new Uint8Array(all.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of all) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function headerText(header: Record<string, string | number>): Uint8Array {
  return new TextEncoder().encode(`[version]\nversion = 3\n[header]\n${Object.entries(header).map(([k, v]) => `${k} = ${v}`).join("\n")}\n`);
}

function stored(name: string, data: Uint8Array): Member {
  return { name, data, method: 0, size: data.length, crc: zlibCrc32(data) };
}

/** Channel `bit` of a logic capture as a bit plane (LSB first). */
export function bitPlane(capture: LogicCapture, bit: number): Uint8Array {
  const { samples, unitSize: u, sampleCount: n } = capture;
  const plane = new Uint8Array((n + 7) >> 3);
  const byte = bit >> 3, shift = bit & 7;
  for (let i = 0; i < n; i++) if ((samples[i * u + byte] >> shift) & 1) plane[i >> 3] |= 1 << (i & 7);
  return plane;
}

/** A .dsl holding a logic capture's channels, each split into blocks of blockBytes (deflated). */
export function writeDsl(capture: LogicCapture, blockBytes = 1 << 20): Uint8Array {
  const planes = capture.channels.map((c) => ({ index: c.index, plane: bitPlane(capture, c.index) }));
  const blocks = Math.max(1, Math.ceil(planes[0].plane.length / blockBytes));
  const header: Record<string, string | number> = {
    driver: "diskflux-test", "device mode": 0, "total samples": capture.sampleCount, "total probes": capture.channels.length,
    "total blocks": blocks, samplerate: `${capture.sampleRate} Hz`,
  };
  for (const c of capture.channels) header[`probe${c.index}`] = c.name;
  const members: Member[] = [stored("header", headerText(header))];
  for (const { index, plane } of planes) {
    for (let b = 0; b < blocks; b++) {
      const data = plane.subarray(b * blockBytes, (b + 1) * blockBytes);
      members.push({ name: `L-${index}/${b}`, data: deflateRawSync(data), method: 8, size: data.length, crc: zlibCrc32(data) });
    }
  }
  return zipMembers(members);
}

/**
 * A one-channel .dsl of `sampleCount` samples: `plane` repeated over and over,
 * in blocks of `repeatsPerBlock` copies. Cheap to build at any size: the plane
 * is compressed once.
 */
export function bigDsl(plane: Uint8Array, sampleCount: number, sampleRate: number, repeatsPerBlock = 32): Uint8Array {
  const once = deflateRawSync(plane, { finishFlush: constants.Z_SYNC_FLUSH }); // not final, ends byte-aligned
  const blockSize = plane.length * repeatsPerBlock;
  const blocks = Math.ceil(Math.ceil(sampleCount / 8) / blockSize);
  let crc = 0;
  for (let r = 0; r < repeatsPerBlock; r++) crc = zlibCrc32(plane, crc);
  const data = new Uint8Array(once.length * repeatsPerBlock + 2);
  for (let r = 0; r < repeatsPerBlock; r++) data.set(once, r * once.length);
  data.set([0x03, 0x00], once.length * repeatsPerBlock); // an empty final block (fixed Huffman, end of block)
  const header = { driver: "diskflux-test", "device mode": 0, "total samples": sampleCount, "total probes": 1, "total blocks": blocks, samplerate: `${sampleRate} Hz`, probe0: "RD" };
  const members: Member[] = [stored("header", headerText(header))];
  // every block is the same bytes: the archive holds them once per member but they share one buffer
  for (let b = 0; b < blocks; b++) members.push({ name: `L-0/${b}`, data, method: 8, size: blockSize, crc });
  return zipMembers(members);
}
