// sigrok session writer (.sr): what sigrok-cli / PulseView load, and the format
// the project's sample captures use (spec §7).
//
//   foo.sr (zip)
//   ├── version        "2"
//   ├── metadata       INI:  [global]
//   │                        sigrok version=…
//   │                        [device 1]
//   │                        capturefile=logic-1
//   │                        total probes=N
//   │                        samplerate=200 MHz
//   │                        total analog=0
//   │                        probe1=<name of bit 0> … probeN=<name of bit N-1>
//   │                        unitsize=1
//   ├── logic-1-1      raw sample units, at most 4 MiB per member
//   ├── logic-1-2
//   └── …
//
// Members carry a fixed timestamp so the same capture always gives the same bytes.

import { zipSync, type Zippable } from "fflate";
import type { LogicCapture } from "../capture.js";
import { DiskfluxError } from "../errors.js";

/** Largest logic-1-N member, in bytes. */
export const SIGROK_CHUNK_BYTES = 4 * 1024 * 1024;

/** The `sigrok version` written to [global] (the libsigrok series whose session format this is). */
export const SIGROK_WRITER_VERSION = "0.5.2";

/** sigrok's rate text: "200 MHz", "15 MHz", "12500 kHz", "1 GHz", "300 Hz". */
export function samplerateString(rate: number): string {
  if (!Number.isInteger(rate) || rate <= 0) throw new DiskfluxError("E_ARGUMENT", `sample rate must be a positive integer, got ${rate}`);
  if (rate % 1_000_000_000 === 0) return `${rate / 1_000_000_000} GHz`;
  if (rate % 1_000_000 === 0) return `${rate / 1_000_000} MHz`;
  if (rate % 1_000 === 0) return `${rate / 1_000} kHz`;
  return `${rate} Hz`;
}

/** The metadata INI text of a capture. */
export function sigrokMetadata(capture: LogicCapture): string {
  const probes = Math.max(1, ...capture.channels.map((c) => c.index + 1));
  if (probes > capture.unitSize * 8) throw new DiskfluxError("E_ARGUMENT", `channel ${probes - 1} does not fit unitSize ${capture.unitSize}`);
  const names = new Map(capture.channels.map((c) => [c.index, c.name]));
  const lines = [
    "[global]",
    `sigrok version=${SIGROK_WRITER_VERSION}`,
    "",
    "[device 1]",
    "capturefile=logic-1",
    `total probes=${probes}`,
    `samplerate=${samplerateString(capture.sampleRate)}`,
    "total analog=0",
  ];
  for (let i = 0; i < probes; i++) lines.push(`probe${i + 1}=${names.get(i) ?? String(i)}`);
  lines.push(`unitsize=${capture.unitSize}`);
  return lines.join("\n") + "\n";
}

/**
 * Writes a logic capture as a sigrok session zip.
 *
 * @example
 * import { synthTrack, writeSigrok } from "diskflux";
 * import { writeFile } from "node:fs/promises";
 * const t = synthTrack({ format: "MFM", cyl: 3, jitter: 0.05 });
 * await writeFile("track.sr", writeSigrok(t.capture, { level: 9 }));
 * console.log(`sigrok-cli -i track.sr -P mfm:${t.options}`); // data_rate=5000000:format=MFM:…
 */
export function writeSigrok(capture: LogicCapture, opts: { level?: 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 } = {}): Uint8Array {
  const { unitSize, sampleCount, samples } = capture;
  if (!Number.isInteger(unitSize) || unitSize < 1) throw new DiskfluxError("E_ARGUMENT", `unitSize must be ≥ 1, got ${unitSize}`);
  const total = sampleCount * unitSize;
  if (samples.length < total) throw new DiskfluxError("E_ARGUMENT", `samples hold ${samples.length} bytes, ${total} needed`);
  const enc = new TextEncoder();
  const mtime = new Date(2000, 0, 1);
  const level = opts.level ?? 6;
  const files: Zippable = {
    version: [enc.encode("2"), { level: 0, mtime }],
    metadata: [enc.encode(sigrokMetadata(capture)), { level: 0, mtime }],
  };
  // Whole units per member.
  const chunk = SIGROK_CHUNK_BYTES - (SIGROK_CHUNK_BYTES % unitSize);
  for (let off = 0, n = 1; off < total || n === 1; off += chunk, n++) {
    files[`logic-1-${n}`] = [samples.subarray(off, Math.min(off + chunk, total)), { level, mtime }];
    if (total === 0) break;
  }
  return zipSync(files);
}
