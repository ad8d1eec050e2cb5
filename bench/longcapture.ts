// Builds long sigrok .sr captures for the memory and streaming benchmarks: one
// real track repeated to a target number of sample bytes, in deflated members
// (cached in the OS temp dir, built once).
import { existsSync, createWriteStream, renameSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createDeflateRaw, crc32 } from "node:zlib";
import { Zip, ZipPassThrough, strToU8, type ZipInputFile } from "fflate";
import { readCaptureFile } from "../src/readers/index.js";

export const SAMPLES = resolve(process.env.DISKFLUX_SAMPLES ?? "../shared/samples");

export interface LongCapture {
  path: string;
  /** Whole copies of the track (the last one may be cut short). */
  copies: number;
  sampleBytes: number;
}

/**
 * `<tmp>/diskflux-<name>.sr`: `sample` (a unitsize-1 .sr in the shared samples)
 * repeated to `target` sample bytes (or `copies` whole copies), members of `member` bytes.
 */
export async function longCapture(name: string, sample: string, opts: { target?: number; copies?: number; member?: number }): Promise<LongCapture> {
  const track = (await readCaptureFile(join(SAMPLES, sample))).samples;
  const target = opts.copies !== undefined ? opts.copies * track.length : opts.target!;
  const member = opts.member ?? 256 << 20;
  const path = join(tmpdir(), `diskflux-${name}.sr`);
  const copies = Math.ceil(target / track.length);
  if (existsSync(path)) return { path, copies, sampleBytes: target };
  console.log(`building ${path} (${(target / 2 ** 20).toFixed(0)} MiB of samples) ...`);
  const tmp = `${path}.${process.pid}.tmp`;
  const out = createWriteStream(tmp);
  const done = new Promise<void>((ok, fail) => { out.on("finish", ok); out.on("error", fail); });
  const zip = new Zip((err, chunk, final) => {
    if (err) throw err;
    out.write(chunk);
    if (final) out.end();
  });
  const add = (n: string, text: string) => {
    const f = new ZipPassThrough(n);
    zip.add(f);
    f.push(strToU8(text), true);
  };
  add("version", "2");
  add("metadata", "[global]\nsigrok version=0.5.2\n\n[device 1]\ncapturefile=logic-1\ntotal probes=1\nsamplerate=200 MHz\ntotal analog=0\nprobe1=0\nunitsize=1\n");
  let written = 0, inTrack = 0;
  for (let m = 1; written < target; m++) {
    // members deflated by node:zlib (fflate's streaming deflate wrote a member zlib refuses:
    // "invalid distance too far back"), size and CRC-32 in the data descriptor
    const file: ZipInputFile = { filename: `logic-1-${m}`, size: 0, crc: 0, compression: 8 };
    zip.add(file);
    const d = createDeflateRaw({ level: 1 });
    d.on("data", (c: Uint8Array<ArrayBuffer>) => file.ondata!(null, c, false));
    const ended = new Promise<void>((ok, fail) => { d.on("end", ok); d.on("error", fail); });
    let inMember = 0, crc = 0;
    while (inMember < member && written < target) {
      const n = Math.min(track.length - inTrack, member - inMember, target - written);
      const piece = track.subarray(inTrack, inTrack + n);
      inTrack = (inTrack + n) % track.length;
      inMember += n;
      written += n;
      crc = crc32(piece, crc);
      if (!d.write(piece)) await new Promise((r) => d.once("drain", r));
    }
    d.end();
    await ended;
    file.size = inMember;
    file.crc = crc;
    file.ondata!(null, new Uint8Array(0), true);
  }
  zip.end();
  await done;
  renameSync(tmp, path);
  return { path, copies, sampleBytes: target };
}
