// DSView session files (.dsl): a ZIP archive holding
//
//   header       an INI. Section [header] holds
//                  total samples = 2000896
//                  total probes = 3
//                  total blocks = 1
//                  samplerate = 100 MHz
//                  device mode = 0        (0 = logic analyzer)
//                  probe0 = <name> ...    name of channel 0 (probeN is channel N)
//   L-<channel>/<block>   one channel's samples for one block, one bit per
//                sample, LSB first: sample 8*i + b is bit b of byte i
//   session, decoders     JSON for the DSView GUI, ignored
//
// Blocks follow each other in time; the last one may be only partly used (the
// total sample count need not fill it). diskflux turns the per-channel bit
// planes into LogicCapture's interleaved units: channel k in bit k.
//
// readDsl inflates the blocks into one LogicCapture; dslSession +
// dslSampleChunks (openCaptureStream) inflate every channel's blocks side by
// side, piece by piece, so a session of gigabytes decodes in bounded memory.
// Either way every block's declared size is checked against the bytes really
// in the file (ZipArchive.check) before anything is allocated from it.

import type { LogicCapture } from "../capture.js";
import { DiskfluxError } from "../errors.js";
import { escapeName, quoteInput } from "../escape.js";
import { parseIni, parseSampleRate } from "./sigrok.js";
import { allocate, ZipArchive, type ZipMember } from "./zip.js";

const MAX_CAPTURE_BYTES = 2 ** 32;
const AGAIN = "re-copy or re-export the capture";

/** Reads a DSView .dsl session (logic mode). */
export async function readDsl(bytes: Uint8Array, source?: string): Promise<LogicCapture> {
  return readDslZip(ZipArchive.open(bytes, source ?? "capture"));
}

/** What the header says, and where each channel's blocks are, without inflating them. */
export interface DslSession {
  source: string;
  sampleRate: number;
  sampleCount: number;
  unitSize: number;
  channels: { index: number; name: string }[];
  /** Each channel's block members in time order (their sizes checked against the file). */
  planes: { channel: number; blocks: ZipMember[] }[];
}

/** Reads a DSView session from an opened archive (readCapture opens it once). */
export async function readDslZip(zip: ZipArchive): Promise<LogicCapture> {
  const session = await dslSession(zip);
  const { source: src, sampleRate, sampleCount, unitSize, channels, planes } = session;
  let scratchSize = 0;
  for (const p of planes) for (const b of p.blocks) scratchSize = Math.max(scratchSize, b.uncompressedSize);
  const samples = allocate(src, sampleCount * unitSize);
  const scratch = allocate(src, scratchSize);
  for (const { channel, blocks } of planes) {
    let first = 0;
    for (const b of blocks) {
      if (first >= sampleCount) break;
      await zip.extractInto(b, scratch, 0);
      const count = Math.min(b.uncompressedSize * 8, sampleCount - first);
      unpackBits(scratch, count, samples, first, unitSize, channel);
      first += count;
    }
  }
  return { kind: "logic", sampleRate, sampleCount, unitSize, channels, samples, source: src };
}

/**
 * The samples of a session piece by piece, as LogicCapture units (about
 * chunkBytes each, whole units): every channel's blocks are inflated
 * incrementally side by side, so memory stays bounded whatever the session
 * inflates to. Gives the same bytes as readDslZip, and checks the same sizes
 * and CRC-32s (each block that holds samples is read to its end).
 */
export async function* dslSampleChunks(zip: ZipArchive, session: DslSession, chunkBytes = 1 << 20): AsyncGenerator<Uint8Array> {
  const { sampleCount, unitSize } = session;
  // samples per piece: a multiple of 8, so each piece starts on a byte of every bit plane
  const per = Math.max(8, Math.floor(Math.max(1, chunkBytes) / unitSize / 8) * 8);
  const readers = session.planes.map((p) => ({ channel: p.channel, plane: new PlaneReader(zip, p.blocks, Math.max(64, per >> 3)) }));
  const scratch = new Uint8Array(per >> 3);
  try {
    for (let done = 0; done < sampleCount; ) {
      const count = Math.min(per, sampleCount - done);
      const need = (count + 7) >> 3;
      const out = new Uint8Array(count * unitSize);
      for (const { channel, plane } of readers) {
        const got = await plane.read(scratch, need);
        if (got < need) {
          throw new DiskfluxError("E_CORRUPT", `${escapeName(session.source)}: channel ${channel} ends after ${done + got * 8} samples but the header declares ${sampleCount}; the file is damaged, ${AGAIN}`);
        }
        unpackBits(scratch, count, out, 0, unitSize, channel);
      }
      done += count;
      yield out;
    }
    for (const { plane } of readers) await plane.finish();
  } finally {
    for (const { plane } of readers) await plane.close(); // an error, or a reader that stopped early
  }
}

/** One channel's bit plane: its blocks inflated one after the other, read in exact byte counts. */
class PlaneReader {
  private next = 0;
  private pieces: AsyncGenerator<Uint8Array> | undefined;
  private piece: Uint8Array = new Uint8Array(0);
  private at = 0;

  constructor(
    private readonly zip: ZipArchive,
    private readonly blocks: readonly ZipMember[],
    private readonly pieceBytes: number,
  ) {}

  /** Copies the plane's next n bytes to out[0, n); returns how many there were (fewer only at its end). */
  async read(out: Uint8Array, n: number): Promise<number> {
    let got = 0;
    while (got < n) {
      if (this.at === this.piece.length && !(await this.advance())) break;
      const take = Math.min(n - got, this.piece.length - this.at);
      out.set(this.piece.subarray(this.at, this.at + take), got);
      got += take;
      this.at += take;
    }
    return got;
  }

  /** Reads the rest of the current block, so that its size and CRC-32 are checked as readDslZip checks them. */
  async finish(): Promise<void> {
    if (!this.pieces) return;
    for (let r = await this.pieces.next(); !r.done; r = await this.pieces.next());
    this.pieces = undefined;
  }

  /** Releases the current block's inflater. */
  async close(): Promise<void> {
    const p = this.pieces;
    this.pieces = undefined;
    await p?.return(undefined);
  }

  private async advance(): Promise<boolean> {
    for (;;) {
      if (!this.pieces) {
        if (this.next >= this.blocks.length) return false;
        this.pieces = this.zip.extractChunks(this.blocks[this.next++], this.pieceBytes);
      }
      const r = await this.pieces.next();
      if (r.done) {
        this.pieces = undefined;
        continue;
      }
      this.piece = r.value;
      this.at = 0;
      if (r.value.length > 0) return true;
    }
  }
}

/** Parses and checks the header of a DSView session; no sample data is inflated. */
export async function dslSession(zip: ZipArchive): Promise<DslSession> {
  const src = zip.source;
  if (!zip.has("header")) {
    throw new DiskfluxError("E_FORMAT", `${escapeName(src)}: no "header" member, so not a DSView session; expected a DSView .dsl capture`);
  }
  const head = parseIni(await zip.extractText("header")).get("header");
  if (!head) throw new DiskfluxError("E_CORRUPT", `${escapeName(src)}: header has no [header] section; the file is damaged, ${AGAIN}`);

  const mode = head.get("device mode");
  if (mode !== undefined && mode !== "0") {
    throw new DiskfluxError("E_FORMAT", `${escapeName(src)}: DSView device mode ${quoteInput(mode)} is an oscilloscope or analog capture; diskflux reads logic captures only`);
  }
  const rateText = head.get("samplerate");
  if (rateText === undefined) {
    throw new DiskfluxError("E_CORRUPT", `${escapeName(src)}: no samplerate in header; the decoder cannot work without it`);
  }
  const sampleRate = parseSampleRate(rateText);
  if (sampleRate === undefined) {
    throw new DiskfluxError("E_CORRUPT", `${escapeName(src)}: samplerate ${quoteInput(rateText)} in header is not a frequency; the decoder cannot work without it`);
  }
  const sampleCount = headerInt(src, head, "total samples", 2 ** 53);
  const blocksText = head.get("total blocks");

  // Channels: the probeN keys, else 0 .. total probes - 1.
  const channels: { index: number; name: string }[] = [];
  for (const [key, value] of head) {
    const m = /^probe(\d+)$/.exec(key);
    if (m) channels.push({ index: Number(m[1]), name: value });
  }
  if (channels.length === 0) {
    const probes = headerInt(src, head, "total probes", 64);
    for (let k = 0; k < probes; k++) channels.push({ index: k, name: String(k) });
  }
  channels.sort((a, b) => a.index - b.index);
  if (channels.length === 0) throw new DiskfluxError("E_FORMAT", `${escapeName(src)}: the session has no logic channels; diskflux reads logic captures only`);
  const top = channels[channels.length - 1].index;
  if (top >= 64) throw new DiskfluxError("E_LIMIT", `${escapeName(src)}: channel ${top} is beyond the 64 channels diskflux accepts`);
  const unitSize = Math.ceil((top + 1) / 8);

  if (sampleCount * unitSize > MAX_CAPTURE_BYTES) {
    throw new DiskfluxError("E_LIMIT", `${escapeName(src)}: ${sampleCount} samples of ${unitSize} byte(s), more than the 4 GiB diskflux accepts; split the capture into shorter sessions`);
  }

  // Each channel's blocks, checked for presence and length (against the bytes
  // really in the file) before anything is inflated or allocated.
  const total = blocksText === undefined ? undefined : headerInt(src, head, "total blocks", 1e6);
  const planes: { channel: number; blocks: ZipMember[] }[] = [];
  for (const ch of channels) {
    const blocks = channelBlocks(zip, ch.index, total);
    let bits = 0;
    for (const b of blocks) {
      zip.check(b);
      bits += b.uncompressedSize * 8;
    }
    if (bits < sampleCount) {
      throw new DiskfluxError("E_CORRUPT", `${escapeName(src)}: channel ${ch.index} holds ${bits} samples but the header declares ${sampleCount}; the file is damaged, ${AGAIN}`);
    }
    planes.push({ channel: ch.index, blocks });
  }
  return { source: src, sampleRate, sampleCount, unitSize, channels, planes };
}

/** Members L-<channel>/0, /1, ...: `total` of them, or as many as are contiguous from 0. */
function channelBlocks(zip: ZipArchive, channel: number, total: number | undefined): ZipMember[] {
  const blocks: ZipMember[] = [];
  for (let b = 0; total === undefined || b < total; b++) {
    const m = zip.find(`L-${channel}/${b}`);
    if (!m) {
      if (total === undefined && b > 0) break;
      throw new DiskfluxError("E_CORRUPT", `${escapeName(zip.source)}: data member "L-${channel}/${b}" is missing; the file is damaged, ${AGAIN}`);
    }
    blocks.push(m);
  }
  return blocks;
}

function headerInt(src: string, head: Map<string, string>, key: string, max: number): number {
  const text = head.get(key);
  if (text === undefined) throw new DiskfluxError("E_CORRUPT", `${escapeName(src)}: no "${key}" in the DSView header; the file is damaged, ${AGAIN}`);
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(n >= 0 && n <= max)) {
    throw new DiskfluxError("E_CORRUPT", `${escapeName(src)}: "${key}" = ${quoteInput(text)} in the DSView header is not a number from 0 to ${max}; the file is damaged`);
  }
  return n;
}

// ---------------------------------------------------------------- bit planes -> sample units

/**
 * SPREAD[2v], SPREAD[2v + 1]: the 8 bytes (as two 32-bit words in platform
 * order) whose byte b is bit b of v. OR-ing them, shifted left by k, into 8
 * consecutive 1-byte samples sets channel k for 8 samples at once.
 */
const SPREAD = (() => {
  const table = new Uint32Array(512);
  const bytes = new Uint8Array(table.buffer);
  for (let v = 0; v < 256; v++) for (let b = 0; b < 8; b++) bytes[v * 8 + b] = (v >> b) & 1;
  return table;
})();

/**
 * ORs `count` samples of one channel (bit-packed LSB first in `packed`) into
 * out, starting at sample `first` (a multiple of 8), as bit `channel` of
 * `unitSize`-byte units.
 */
export function unpackBits(packed: Uint8Array, count: number, out: Uint8Array, first: number, unitSize: number, channel: number): void {
  const full = count >> 3; // whole bytes of 8 samples
  if (unitSize === 1 && (first & 7) === 0 && (out.byteOffset & 3) === 0) {
    const out32 = new Uint32Array(out.buffer, out.byteOffset, out.length >> 2);
    const shift = channel;
    let w = (first >> 3) * 2;
    for (let j = 0; j < full; j++, w += 2) {
      const v = packed[j];
      if (v === 0) continue;
      out32[w] |= SPREAD[2 * v] << shift;
      out32[w + 1] |= SPREAD[2 * v + 1] << shift;
    }
    const mask = 1 << channel;
    for (let s = full * 8; s < count; s++) if ((packed[s >> 3] >> (s & 7)) & 1) out[first + s] |= mask;
    return;
  }
  const byte = channel >> 3;
  const mask = 1 << (channel & 7);
  const bytes = (count + 7) >> 3;
  for (let j = 0; j < bytes; j++) {
    const v = packed[j];
    if (v === 0) continue;
    const n = Math.min(8, count - j * 8);
    let at = (first + j * 8) * unitSize + byte;
    for (let b = 0; b < n; b++, at += unitSize) if ((v >> b) & 1) out[at] |= mask;
  }
}
