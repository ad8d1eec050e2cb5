import { EDGE_CAP, EV_BYTE } from "../src/kernels/abi";
export function probe(): i32 { return EDGE_CAP + EV_BYTE; }
