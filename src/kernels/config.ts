// Writes resolved options into the kernel configuration regions (abi.ts), the
// same way for both backends.
import * as A from "./abi.js";
import type { KernelMemory } from "./backend.js";
import type { ResolvedOptions } from "../options.js";
import { LIMITS, HEADER_FORMATS, type MarkSet } from "../presets.js";

const HEADER_FORMAT_CODES = [A.HF_3, A.HF_4, A.HF_SEAGATE, A.HF_OMTI, A.HF_ADAPTEC, A.HF_ADAPTEC4070, A.HF_DTC];

function split64(v: bigint): [number, number] {
  return [Number((v >> 32n) & 0xffffffffn) | 0, Number(v & 0xffffffffn) | 0];
}

function formatCode(o: ResolvedOptions): number {
  if (o.format === "FM") return A.FMT_FM;
  if (o.format === "MFM") return A.FMT_MFM;
  if (o.format === "RLL_OMTI") return A.FMT_OMTI;
  return A.FMT_OTHER;
}

export function writeTrackConfig(mem: KernelMemory, o: ResolvedOptions, sampleRate: number, log: number): void {
  const f = mem.cfgF64, c = mem.cfgI32;
  f.fill(0); c.fill(0); mem.marks.fill(0); mem.markClass.fill(0);
  const h0 = sampleRate / o.dataRate / 2.0;
  f[A.CF_H0] = h0;
  f[A.CF_TSYNC] = h0 * o.syncTolerance;
  f[A.CF_KP] = o.kp;
  f[A.CF_KI] = o.ki;
  const p = o.preset;
  const limits = LIMITS[p.limits];
  c[A.CI_SYNC_PULSE] = p.syncPulse;
  c[A.CI_NLOCK] = Math.round(32 / p.syncPulse); // 16, 11, 8: no halves occur
  c[A.CI_CMIN] = Math.min(...limits);
  c[A.CI_CMAX] = Math.max(...limits);
  c[A.CI_CODEMAP] = p.codemap === "FM/MFM" ? A.CODEMAP_FMMFM : p.codemap === "IBM" ? A.CODEMAP_IBM : A.CODEMAP_WD;
  c[A.CI_FORMAT] = formatCode(o);
  c[A.CI_LIMITS] = p.limits === "FM" ? A.LIMITS_FM : p.limits === "MFM" ? A.LIMITS_MFM : p.limits === "RLL" ? A.LIMITS_RLL : A.LIMITS_GCR;
  c[A.CI_HEADER_FORMAT] = HEADER_FORMAT_CODES[HEADER_FORMATS.indexOf(o.headerFormat)];
  c[A.CI_HEADER_BYTES] = o.headerBytes;
  c[A.CI_SECTOR_SIZE] = o.sectorSize;
  c[A.CI_HCRC_BITS] = o.headerCrc.bits;
  c[A.CI_DCRC_BITS] = o.dataCrc.bits;
  [c[A.CI_HPOLY_HI], c[A.CI_HPOLY_LO]] = split64(o.headerCrc.poly);
  [c[A.CI_HINIT_HI], c[A.CI_HINIT_LO]] = split64(o.headerCrc.init);
  [c[A.CI_DPOLY_HI], c[A.CI_DPOLY_LO]] = split64(o.dataCrc.poly);
  [c[A.CI_DINIT_HI], c[A.CI_DINIT_LO]] = split64(o.dataCrc.init);
  c[A.CI_DATA_USES_HEADER_TABLE] = o.dataUsesHeaderTable ? 1 : 0;
  c[A.CI_NUM_MARKS] = p.syncMarks.length;
  c[A.CI_LOG] = log;
  p.syncMarks.forEach((m, i) => {
    const base = i * A.MARK_STRIDE;
    mem.marks[base] = m.length;
    mem.marks[base + 1] = o.markBases[i];
    m.forEach((n, j) => (mem.marks[base + 2 + j] = n));
  });
  const setClass = (set: MarkSet, flag: number) => {
    if (set === "*") for (let v = 0; v < 256; v++) mem.markClass[v] |= flag;
    else for (const v of set) mem.markClass[v] |= flag;
  };
  setClass(p.marks.IDData_mark, A.MC_IDDATA);
  setClass(p.marks.ID_mark, A.MC_ID);
  setClass(p.marks.Data_mark, A.MC_DATA);
  setClass(p.marks.ID_prefix_mark, A.MC_ID_PREFIX);
  setClass(p.marks.nop_mark, A.MC_NOP);
  setClass(p.marks.nop_A1_mark, A.MC_NOP_A1);
}
