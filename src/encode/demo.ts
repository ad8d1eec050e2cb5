// The built-in demo capture: one MFM hard-disk track (ST-506, RQDX3-like
// defaults, so the decoder's default options read it), made by the track
// encoder at 100 MHz with light jitter and drift.
//
//   cyl 0, head 0, sectors 0..16, 512 bytes each, readable ASCII:
//     "diskflux demo: cylinder 0 head 0 sector 5 line 01\n" …
//   sector 9's data CRC is deliberately wrong, so a decode shows both
//   "CRC OK" and "CRC error".
//
// Deterministic: the same bytes on every call and every machine.

import type { LogicCapture } from "../capture.js";
import { synthTrack } from "./synth.js";
import type { SectorSpec } from "./track.js";

/** Sector whose data CRC the demo breaks on purpose. */
export const DEMO_BAD_SECTOR = 9;

/** 512 bytes of text for a demo sector. */
export function demoSectorText(cyl: number, head: number, sec: number, size = 512): Uint8Array {
  const out = new Uint8Array(size);
  let o = 0;
  for (let line = 1; o < size; line++) {
    const text = `diskflux demo: cylinder ${cyl} head ${head} sector ${sec} line ${String(line).padStart(2, "0")}\n`;
    for (let i = 0; i < text.length && o < size; i++) out[o++] = text.charCodeAt(i);
  }
  return out;
}

export function demoCapture(): { capture: LogicCapture; options: string; description: string } {
  const sectors: SectorSpec[] = [];
  for (let sec = 0; sec < 17; sec++) {
    sectors.push({ cyl: 0, head: 0, sec, data: demoSectorText(0, 0, sec), ...(sec === DEMO_BAD_SECTOR ? { badDataCrc: true } : {}) });
  }
  const r = synthTrack({ format: "MFM", sectors, jitter: 0.04, drift: 0.01, seed: 2024 });
  return {
    capture: { ...r.capture, source: "demo" },
    options: r.options,
    description:
      `Synthetic MFM hard-disk track (5 Mb/s sampled at 100 MHz): cylinder 0, head 0, 17 sectors of 512 bytes ` +
      `with readable text; sector ${DEMO_BAD_SECTOR} has a deliberately bad data CRC.`,
  };
}
