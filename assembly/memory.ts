// Static memory regions of the kernel module (layout in src/kernels/abi.ts).
// They are data segments fixed at compile time: the module never grows its
// memory, so views that the TypeScript wrapper builds once stay valid.
import {
  SAMPLE_CAP, EDGE_CAP, EVENT_CAP, EVENT_STRIDE, OUT_CAP,
  CFG_F64_LEN, CFG_I32_LEN, MAX_MARKS, MARK_STRIDE, STATUS_LEN,
} from "../src/kernels/abi";

export const SAMPLES: usize = memory.data(SAMPLE_CAP + 16, 16);
export const EDGES: usize = memory.data(EDGE_CAP * 8, 16);
export const INDEX: usize = memory.data(EDGE_CAP, 16);
export const CELLS: usize = memory.data(EDGE_CAP * 4, 16);
export const EVENTS: usize = memory.data(EVENT_CAP * EVENT_STRIDE * 8, 16);
export const OUT: usize = memory.data(OUT_CAP, 16);
export const CFG_F64: usize = memory.data(CFG_F64_LEN * 8, 16);
export const CFG_I32: usize = memory.data(CFG_I32_LEN * 4, 16);
export const MARKS: usize = memory.data(MAX_MARKS * MARK_STRIDE * 4, 16);
export const MARK_CLASS: usize = memory.data(256, 16);
export const STATUS: usize = memory.data(STATUS_LEN * 4, 16);
