// ID record layouts: cylinder, head, sector and length from the header bytes. Spec §5.3.
import type { HeaderFormat } from "./presets.js";

export interface DecodedHeader {
  cyl: number;
  head: number;
  sec: number;
  len: number;
}

/**
 * r = the header bytes after the address mark; idMark = the ID mark byte
 * (format 3 takes the high cylinder bits from it, WD style: FE +0, FF +256,
 * FC +512, FD +768, F6 +1024, F7 +1280, F4 +1536, F5 +1792).
 * len is the length the track kernel already decoded (it needs it for sector_size=auto).
 */
export function decodeHeader(format: HeaderFormat, r: Uint8Array, len: number, idMark: number): DecodedHeader {
  switch (format) {
    case "4":
      return { cyl: r[0], head: r[1], sec: r[2], len };
    case "3": {
      const m = (idMark ^ 0x0e) & 0x0f;
      return { cyl: ((m & 3) << 8) + ((m & 8) << 7) + r[0], head: r[1] & 0x0f, sec: r[2], len };
    }
    case "Seagate":
      return { cyl: ((r[0] & 0xc0) << 2) + r[1], head: r[0] & 0x0f, sec: r[2], len };
    case "OMTI":
      return { cyl: (r[0] << 8) + r[1], head: r[2], sec: r[3], len };
    case "Adaptec":
      return { cyl: ((r[1] & 0xf0) << 4) + r[0], head: r[1] & 0x0f, sec: r[2], len };
    case "Adaptec4070": {
      const lba = (r[0] << 16) | (r[1] << 8) | r[2];
      const track = Math.floor(lba / 26);
      return { cyl: Math.floor(track / 6), head: track % 6, sec: lba % 26, len };
    }
    case "RLL_DTC7287_unknown": {
      const q0 = r[0] ^ 0xff, q1 = r[1] ^ 0xff, q2 = r[2] ^ 0xff;
      const m = ((idMark ^ 0xff) ^ 0x0c) & 0x0f;
      let head = (q1 & 0x0f) >> 1;
      if (head === 7) head = 5;
      const sec = (q1 & 1) !== 0 ? 254 : (q2 & 0x3e) >> 1;
      return { cyl: ((m & 3) << 8) + ((m & 8) << 7) + (q0 >> 1), head, sec, len };
    }
  }
}
