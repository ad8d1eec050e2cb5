// Record framing of the legacy decoder: spec §5.1 with the legacy decoder's
// fixed floppy marks, fed by the bytes of one sync at a time.
//
//   sync ─► PREAMBLE (the 00 byte of the sync pattern: annotated, not framed)
//        ─► SYNC_MARK  FM:  FE → IDAM → ID_REC   F8..FB → DAM/DDAM → DATA_REC   FC → IAM → GAP1
//                      MFM: A1 → IDDATA_AM: exactly two more A1s, then F4..F7/FC..FF → IDAM,
//                           F8..FB → DAM (anything else, a fourth A1 too, is unknown)
//                           C2 → C2_2 → C2_3 → IAM_WAIT (FC → IAM → GAP1)
//   The three-byte prefix is why the legacy decoder decodes floppies only: an
//   HDD's single A1 is followed by the mark, an Unknown byte here (spec §3.9).
//        ─► ID_REC → ID_CRC → GAP1,  DATA_REC → DATA_CRC → GAP1
//   GAP1: the first gap byte is annotated, then the sync is dropped.
//
// CRCs as §5.4: FM over mark ‖ record, MFM over A1 A1 A1 ‖ mark ‖ record.
// byte() returns false to drop the sync (unknown byte, or the gap byte).
import { MAX_SECTOR, MARK_IAM, MARK_IDAM, MARK_DAM, MARK_DDAM } from "../kernels/abi.js";
import { crcBuildTable, crcUpdate } from "../kernels/crc.js";
import type { ResolvedOptions } from "../options.js";

/** MFM marks need exactly three A1s (or C2s) in front: the floppy prefix. */
const A1_PREFIX = 3;

const PREAMBLE = 0, SYNC_MARK = 1, IDDATA_AM = 2, ID_REC = 3, ID_CRC = 4, DATA_REC = 5, DATA_CRC = 6,
  C2_2 = 7, C2_3 = 8, IAM_WAIT = 9, GAP1 = 10;

/** What the framer reports, in stream order, for the byte being framed (byteStart/byteEnd of byte()). */
export interface FramerSink {
  /** A mark field (MARK_IAM, MARK_IDAM, MARK_DAM, MARK_DDAM) over [start, end]; markByte = the mark. */
  mark(kind: number, start: number, end: number, markByte: number): void;
  /** ID record bytes (a view, valid during the call) over [start, end], with the length it gives. */
  idRecord(start: number, end: number, bytes: Uint8Array, idMark: number, len: number): void;
  /** Data record over [start, end]; bytes is a view of the payload, valid until the record's CRC. */
  dataRecord(start: number, end: number, bytes: Uint8Array): void;
  /** CRC verdict over [start, end]: computed and read values as (hi, lo) halves, width in bits. */
  crc(data: boolean, ok: boolean, start: number, end: number, compHi: number, compLo: number, readHi: number, readLo: number, bits: number): void;
  /** A byte no state expects, over [start, end]. */
  unknown(start: number, end: number, value: number): void;
}

function split64(v: bigint): [number, number] {
  return [Number((v >> 32n) & 0xffffffffn) >>> 0, Number(v & 0xffffffffn) >>> 0];
}

export class LegacyFramer {
  private readonly fm: boolean;
  private readonly headerFormat: ResolvedOptions["headerFormat"];
  private readonly headerBytes: number;
  private readonly sectorSizeAuto: boolean;
  private readonly hBits: number;
  private readonly dBits: number;
  private readonly hTabHi = new Uint32Array(256); private readonly hTabLo = new Uint32Array(256);
  private readonly dTabHi: Uint32Array; private readonly dTabLo: Uint32Array;
  private readonly hInit: [number, number];
  private readonly dInit: [number, number];
  private readonly crcState = new Uint32Array(2);
  /** A1 list ‖ mark: the CRC prefix. */
  private readonly prefix = new Uint8Array(A1_PREFIX + 1);

  private state = PREAMBLE;
  private cnt = 0;
  private a1Count = 0;
  private idMark = -1;
  private drMark = -1;
  private readonly idRec = new Uint8Array(8);
  private readonly drRec = new Uint8Array(MAX_SECTOR);
  private rxHi = 0; private rxLo = 0;
  private sectorSize: number;
  private fieldStart = 0;

  constructor(o: ResolvedOptions, private readonly sink: FramerSink) {
    this.fm = o.format === "FM";
    this.headerFormat = o.headerFormat;
    this.headerBytes = o.headerBytes;
    this.sectorSize = o.sectorSize;
    this.sectorSizeAuto = o.sectorSize === 0;
    this.hBits = o.headerCrc.bits;
    this.dBits = o.dataCrc.bits;
    const [hpHi, hpLo] = split64(o.headerCrc.poly);
    crcBuildTable(this.hTabHi, this.hTabLo, this.hBits, hpHi, hpLo);
    if (o.dataUsesHeaderTable) {
      // §5.4 quirk: equal polynomials share the header's table, whatever the widths.
      this.dTabHi = this.hTabHi; this.dTabLo = this.hTabLo;
    } else {
      this.dTabHi = new Uint32Array(256); this.dTabLo = new Uint32Array(256);
      const [dpHi, dpLo] = split64(o.dataCrc.poly);
      crcBuildTable(this.dTabHi, this.dTabLo, this.dBits, dpHi, dpLo);
    }
    this.hInit = split64(o.headerCrc.init);
    this.dInit = split64(o.dataCrc.init);
  }

  /** A new sync: the next byte is the 00 of the sync pattern. */
  sync(): void {
    this.state = PREAMBLE;
  }

  /** Special bytes (the sync's bytes, A1 repeats, C2s) never raise clock errors (§5.1, §6.2). */
  special(v: number): boolean {
    switch (this.state) {
      case PREAMBLE: case SYNC_MARK: case C2_2: case C2_3: return true;
      case IDDATA_AM: return v === 0xa1 && this.a1Count < A1_PREFIX;
      default: return false;
    }
  }

  /** Frames one byte over [byteStart, byteEnd]; false drops the sync. */
  byte(v: number, byteStart: number, byteEnd: number): boolean {
    switch (this.state) {
      case PREAMBLE:
        this.state = SYNC_MARK;
        return true;
      case SYNC_MARK:
        this.fieldStart = byteStart;
        this.cnt = 0; this.rxHi = 0; this.rxLo = 0;
        this.a1Count = 0; this.idMark = -1; this.drMark = -1;
        if (this.fm) {
          if (v === 0xfe) return this.idAddressMark(v, byteEnd);
          if (v >= 0xf8 && v <= 0xfb) return this.dataAddressMark(v, byteEnd);
          if (v === 0xfc) return this.indexMark(v, byteEnd);
        } else {
          if (v === 0xa1) {
            this.a1Count = 1;
            this.state = IDDATA_AM;
            return true;
          }
          if (v === 0xc2) {
            this.state = C2_2;
            return true;
          }
        }
        return this.unknown(v, byteStart, byteEnd);
      case IDDATA_AM:
        if (this.a1Count < A1_PREFIX) {
          if (v !== 0xa1) return this.unknown(v, byteStart, byteEnd);
          this.a1Count++;
          return true;
        }
        if ((v & 0xf4) === 0xf4) return this.idAddressMark(v, byteEnd);
        if (v >= 0xf8 && v <= 0xfb) return this.dataAddressMark(v, byteEnd);
        return this.unknown(v, byteStart, byteEnd);
      case ID_REC:
        this.idRec[this.cnt++] = v;
        if (this.cnt === this.headerBytes) {
          const len = this.headerLength();
          this.sink.idRecord(this.fieldStart, byteEnd, this.idRec.subarray(0, this.headerBytes), this.idMark, len);
          this.fieldStart = byteEnd;
          if (this.sectorSizeAuto) this.sectorSize = len;
          this.cnt = 0;
          this.state = ID_CRC;
        }
        return true;
      case ID_CRC:
        this.receive(v);
        if (++this.cnt * 8 === this.hBits) {
          this.crcOver(this.hTabHi, this.hTabLo, this.hBits, this.hInit, this.idMark, this.idRec, this.headerBytes);
          this.verdict(false, this.hBits, byteEnd);
        }
        return true;
      case DATA_REC:
        if (this.cnt < MAX_SECTOR) this.drRec[this.cnt] = v;
        if (++this.cnt === this.sectorSize) {
          this.sink.dataRecord(this.fieldStart, byteEnd, this.drRec.subarray(0, Math.min(this.sectorSize, MAX_SECTOR)));
          this.fieldStart = byteEnd;
          this.cnt = 0;
          this.state = DATA_CRC;
        }
        return true;
      case DATA_CRC:
        this.receive(v);
        if (++this.cnt * 8 === this.dBits) {
          this.crcOver(this.dTabHi, this.dTabLo, this.dBits, this.dInit, this.drMark, this.drRec, Math.min(this.sectorSize, MAX_SECTOR));
          this.verdict(true, this.dBits, byteEnd);
        }
        return true;
      case C2_2:
      case C2_3:
        if (v !== 0xc2) return this.unknown(v, byteStart, byteEnd);
        this.state = this.state === C2_2 ? C2_3 : IAM_WAIT;
        return true;
      case IAM_WAIT:
        if (v !== 0xfc) return this.unknown(v, byteStart, byteEnd);
        return this.indexMark(v, byteEnd);
      default: // GAP1
        return false;
    }
  }

  private idAddressMark(v: number, byteEnd: number): boolean {
    this.idMark = v;
    this.emitMark(MARK_IDAM, v, byteEnd);
    this.state = ID_REC;
    return true;
  }

  private dataAddressMark(v: number, byteEnd: number): boolean {
    this.drMark = v;
    // §5.2: FM F8..FA are deleted data.
    this.emitMark(this.fm && v >= 0xf8 && v <= 0xfa ? MARK_DDAM : MARK_DAM, v, byteEnd);
    this.state = DATA_REC;
    return true;
  }

  private indexMark(v: number, byteEnd: number): boolean {
    this.emitMark(MARK_IAM, v, byteEnd);
    this.state = GAP1;
    return true;
  }

  private emitMark(kind: number, v: number, byteEnd: number): void {
    this.sink.mark(kind, this.fieldStart, byteEnd, v);
    this.fieldStart = byteEnd;
  }

  private unknown(v: number, byteStart: number, byteEnd: number): boolean {
    this.sink.unknown(byteStart, byteEnd, v);
    return false;
  }

  private receive(v: number): void {
    this.rxHi = ((this.rxHi << 8) | (this.rxLo >>> 24)) & 0xffffff;
    this.rxLo = ((this.rxLo << 8) | v) >>> 0;
  }

  /** CRC over A1 list ‖ mark ‖ rec[0, len) into crcState. */
  private crcOver(tHi: Uint32Array, tLo: Uint32Array, bits: number, init: [number, number], mark: number, rec: Uint8Array, len: number): void {
    const pre = this.prefix;
    let n = 0;
    for (let i = 0; i < this.a1Count; i++) pre[n++] = 0xa1;
    if (mark >= 0) pre[n++] = mark;
    const st = this.crcState;
    st[0] = init[0]; st[1] = init[1];
    crcUpdate(tHi, tLo, bits, st, pre, 0, n);
    crcUpdate(tHi, tLo, bits, st, rec, 0, len);
  }

  private verdict(data: boolean, bits: number, byteEnd: number): void {
    const hi = this.crcState[0], lo = this.crcState[1];
    this.sink.crc(data, hi === this.rxHi && lo === this.rxLo, this.fieldStart, byteEnd, hi, lo, this.rxHi, this.rxLo, bits);
    this.fieldStart = byteEnd;
    this.state = GAP1;
  }

  /** Sector length the header gives (§5.3), for sector_size=auto. */
  private headerLength(): number {
    const r = this.idRec;
    switch (this.headerFormat) {
      case "4": return 128 << (r[3] & 7);
      case "3": return 128 << ((r[1] >> 4) & 7);
      case "RLL_DTC7287_unknown": return ((r[1] ^ 0xff) & 1) !== 0 ? 64 : 512;
      default: return 512;
    }
  }
}
