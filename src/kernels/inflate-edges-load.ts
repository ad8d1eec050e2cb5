// The fused inflate→edges kernel on either backend: the Wasm kernel
// (assembly/inflate-edges.ts, its own module build/inflate-edges.wasm, compiled
// and instantiated lazily once) or its TypeScript twin (./inflate-edges.ts).
// Both sit behind InflateEdgesKernel; drive them with inflateEdges() below.
//
// Wasm memory (regions of assembly/inflate-edges.ts, sizes in ./inflate-edges-abi.ts):
//   in    u8  [IE_IN_CAP]    ← compressed bytes, written at inputSpace()
//   edges f64 [IE_EDGE_CAP]  → edge records of the last run()
//   index u8  [IE_EDGE_CAP]  → index levels
// The module never grows its memory, so the views are built once.
import { IE_IN_CAP, IE_EDGE_CAP, IE_DONE, IE_NEED_INPUT, IE_PIECE_DONE, IE_CRC_NONE, IE_CRC_KERNEL, IE_CRC_HOST } from "./inflate-edges-abi.js";
import { decodeBase64 } from "./base64.js";
import { InflateEdgesJs, type InflateEdgesKernel } from "./inflate-edges.js";
import { wasmAvailable, type BackendChoice } from "./load.js";
import { DiskfluxError } from "../errors.js";

export type { InflateEdgesKernel } from "./inflate-edges.js";

interface Exports {
  memory: WebAssembly.Memory;
  ieInPtr(): number;
  ieEdgesPtr(): number;
  ieIndexPtr(): number;
  ieConfigure(dataBit: number, indexBit: number, suppressBit: number, rising: number, withCrc: number): void;
  ieBegin(): void;
  ieInputSpace(): number;
  ieInput(len: number, last: number): number;
  ieRun(): number;
  ieEdgeCount(): number;
  ieProduced(): number;
  ieCrc(): number;
  ieInputLeft(): number;
}

function hasExports(x: unknown): x is Exports {
  const e = x as Partial<Exports> | null;
  return typeof e === "object" && e !== null && e.memory instanceof WebAssembly.Memory &&
    typeof e.ieRun === "function" && typeof e.ieInput === "function" && typeof e.ieConfigure === "function";
}

let compiled: Promise<WebAssembly.Module> | undefined;

/** A new Wasm instance of the kernel (each has its own memory and state). */
export async function createWasmInflateEdges(): Promise<InflateEdgesKernel> {
  compiled ??= import("../../build/inflate-edges-wasm.js").then((m) => WebAssembly.compile(decodeBase64(m.wasmBase64)));
  // IE_CRC_HOST: the scanned samples, as a view of the kernel's memory, to the hook set now
  let hostBytes: ((bytes: Uint8Array) => void) | undefined;
  let memory: WebAssembly.Memory | undefined;
  const instance = await WebAssembly.instantiate(await compiled, {
    env: {
      abort(_msg: number, _file: number, line: number, col: number): never {
        throw new Error(`diskflux inflate-edges kernel aborted at ${line}:${col}`);
      },
      ieHostBytes(ptr: number, len: number): void {
        hostBytes?.(new Uint8Array(memory!.buffer, ptr, len));
      },
    },
  });
  const x = instance.exports as unknown;
  if (!hasExports(x)) throw new Error("build/inflate-edges.wasm lacks the ie* exports (run npm run asbuild)");
  memory = x.memory;
  const buf = x.memory.buffer;
  return {
    backend: "wasm",
    input: new Uint8Array(buf, x.ieInPtr(), IE_IN_CAP),
    edges: new Float64Array(buf, x.ieEdgesPtr(), IE_EDGE_CAP),
    index: new Uint8Array(buf, x.ieIndexPtr(), IE_EDGE_CAP),
    configure: x.ieConfigure,
    begin: x.ieBegin,
    inputSpace: x.ieInputSpace,
    feed: x.ieInput,
    run: x.ieRun,
    edgeCount: x.ieEdgeCount,
    produced: x.ieProduced,
    crc: () => x.ieCrc() >>> 0,
    inputLeft: x.ieInputLeft,
    setHostBytes: (hook) => {
      hostBytes = hook;
    },
  };
}

let shared: Promise<InflateEdgesKernel> | undefined;

/**
 * The kernel of a backend: "js" → a new twin; "wasm" → the shared Wasm instance
 * (E_WASM when it cannot load); "auto" → Wasm, else the twin. The Wasm instance
 * is shared: run one stream to its end before starting another on it.
 */
export async function getInflateEdges(choice: BackendChoice = "auto"): Promise<InflateEdgesKernel> {
  if (choice !== "wasm" && choice !== "js" && choice !== "auto") {
    throw new DiskfluxError("E_ARGUMENT", `unknown backend '${String(choice)}'; use 'wasm', 'js' or 'auto'`);
  }
  if (choice === "js" || (choice === "auto" && !wasmAvailable())) return new InflateEdgesJs();
  if (!wasmAvailable()) throw new DiskfluxError("E_WASM", "WebAssembly is not available here; use backend 'js'");
  shared ??= createWasmInflateEdges().catch((e: unknown) => {
    shared = undefined;
    throw new DiskfluxError("E_WASM", `the inflate-edges kernel failed to load (${String(e)}); use backend 'js'`, { cause: e });
  });
  try {
    return await shared;
  } catch (e) {
    if (choice === "auto") return new InflateEdgesJs();
    throw e;
  }
}

/** Edge parameters (edgesExtract's): bits outside 0..7 mean absent. */
export interface InflateEdgesParams {
  dataBit: number;
  indexBit: number;
  suppressBit: number;
  rising: boolean;
  /** Compute each stream's CRC-32 (returned by inflateEdges): in the kernel (true) or with the host's function. */
  crc?: boolean | HostCrc32;
}

/**
 * A CRC-32 (ZIP's) continued over more bytes, as Node's zlib.crc32(bytes, crc):
 * `crc` is the CRC of what came before (0 at the start), the result that of both.
 */
export type HostCrc32 = (bytes: Uint8Array, crc: number) => number;

/** What inflateEdges found in one stream: its length and CRC-32, or the kernel's error status (< 0). */
export type InflateEdgesResult =
  | { ok: true; produced: number; crc: number; inputLeft: number }
  | { ok: false; status: number; produced: number };

/**
 * Runs one raw deflate stream through the kernel, feeding `data` in pieces of
 * at most `feedBytes` and handing each batch of edges to `sink` (views into
 * the kernel's regions, valid until the next call). Call k.configure(...)
 * once per capture first (or pass params to do it here); the global sample
 * numbers continue across streams run on the same configured kernel. With
 * `hostCrc` (a kernel configured with IE_CRC_HOST) the stream's CRC-32 is the
 * host function's over the samples the kernel hands over.
 */
export function inflateEdges(
  k: InflateEdgesKernel,
  data: Uint8Array,
  sink: (edges: Float64Array, index: Uint8Array, n: number) => void,
  params?: InflateEdgesParams,
  feedBytes = IE_IN_CAP,
  hostCrc: HostCrc32 | undefined = typeof params?.crc === "function" ? params.crc : undefined,
): InflateEdgesResult {
  if (params) k.configure(params.dataBit, params.indexBit, params.suppressBit, params.rising ? 1 : 0, hostCrc ? IE_CRC_HOST : params.crc ? IE_CRC_KERNEL : IE_CRC_NONE);
  if (!hostCrc) return runStream(k, data, sink, feedBytes, () => k.crc());
  let crc = 0;
  k.setHostBytes((bytes) => {
    crc = hostCrc(bytes, crc);
  });
  try {
    return runStream(k, data, sink, feedBytes, () => crc >>> 0);
  } finally {
    k.setHostBytes(undefined);
  }
}

function runStream(
  k: InflateEdgesKernel,
  data: Uint8Array,
  sink: (edges: Float64Array, index: Uint8Array, n: number) => void,
  feedBytes: number,
  crcOf: () => number,
): InflateEdgesResult {
  k.begin();
  const step = Math.max(1, Math.min(IE_IN_CAP, Math.floor(feedBytes)));
  let at = 0;
  // Bounded: every call either consumes input, fills a window piece, or ends.
  for (;;) {
    const r = k.run();
    const n = k.edgeCount();
    if (n > 0) sink(k.edges, k.index, n);
    if (r === IE_PIECE_DONE) continue;
    if (r === IE_DONE) return { ok: true, produced: k.produced(), crc: crcOf(), inputLeft: k.inputLeft() };
    if (r !== IE_NEED_INPUT) return { ok: false, status: r, produced: k.produced() };
    const off = k.inputSpace();
    const len = Math.min(IE_IN_CAP - off, step, data.length - at);
    k.input.set(data.subarray(at, at + len), off);
    at += len;
    const f = k.feed(len, at >= data.length ? 1 : 0);
    if (f < 0) return { ok: false, status: f, produced: k.produced() };
  }
}
