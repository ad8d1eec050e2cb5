// The .tr checksum kernel on either backend: the Wasm kernel
// (assembly/tr-checksum.ts) in an instance of the kernel module of its own, or
// its TypeScript twin (./tr-checksum.ts). The .tr readers (src/readers/tr.ts)
// check every track record with it: ~60 KB a track, on the thread that feeds
// the decode workers.
//
// Wasm memory (regions of assembly/tr-checksum.ts, constants in ./tr-checksum-abi.ts):
//   bytes u8 [TRCK_BYTES_CAP]   ← the piece to fold in
// The module never grows its memory, so the view is built once.
import { TRCK_BYTES_CAP } from "./tr-checksum-abi.js";
import { TrChecksumJs, type TrChecksumKernel } from "./tr-checksum.js";
import { ownInstanceLoader } from "./own-instance.js";

export type { TrChecksumKernel } from "./tr-checksum.js";

interface TrChecksumExports {
  memory: WebAssembly.Memory;
  trckBytesPtr(): number;
  trChecksumUpdate(crc: number, len: number): number;
}

function hasExports(x: unknown): x is TrChecksumExports {
  const e = x as Partial<TrChecksumExports> | null;
  return typeof e === "object" && e !== null && e.memory instanceof WebAssembly.Memory &&
    typeof e.trckBytesPtr === "function" && typeof e.trChecksumUpdate === "function";
}

function wasmKernel(x: TrChecksumExports): TrChecksumKernel {
  const bytes = new Uint8Array(x.memory.buffer, x.trckBytesPtr(), TRCK_BYTES_CAP);
  return {
    backend: "wasm",
    bytes,
    // (len clamped to the region by the kernel itself; the result as a uint32)
    trChecksumUpdate: (crc, len) => x.trChecksumUpdate(crc | 0, len | 0) >>> 0,
  };
}

let twin: TrChecksumKernel | undefined;

/**
 * The .tr checksum kernel for a backend choice ("auto": Wasm where it loads).
 * Internal (src/readers/tr.ts); with trChecksumWith(k, 0xffffffff, bytes, 0, n)
 * an end record's 12 bytes (FF×8, 00×4) give 0xA53EA533.
 */
export const getTrChecksumKernel = ownInstanceLoader<TrChecksumKernel>({
  name: ".tr checksum",
  source: "assembly/tr-checksum.ts",
  fromExports: (x) => (hasExports(x) ? wasmKernel(x) : undefined),
  twin: () => (twin ??= new TrChecksumJs()),
});
