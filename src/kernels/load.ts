// Picks a backend. The Wasm module is compiled lazily, once, on first use —
// never at import time — and its memory views are built once: the module's
// memory never grows (static regions, assembly/memory.ts).
import type { Kernels, BackendName } from "./backend.js";
import { createJsKernels } from "./js.js";
import { DiskfluxError } from "../errors.js";

export type BackendChoice = BackendName | "auto";

let wasmKernels: Promise<Kernels> | undefined;
let jsKernels: Kernels | undefined;

/**
 * True when this runtime has WebAssembly; backend "auto" then uses the Wasm
 * kernels, else their pure-TypeScript twins.
 *
 * @example
 * import { decode, readCaptureFile, wasmAvailable } from "diskflux";
 * const capture = await readCaptureFile("hdd_mfm_EV346.sr");
 * const backend = wasmAvailable() ? "wasm" : "js";
 * const result = await decode(capture, "data_rate=5000000:format=MFM:header_format=3:data_crc_poly=0x140a0445", { backend });
 * console.log(result.backend); // "wasm" in Node and every current browser
 */
export function wasmAvailable(): boolean {
  return typeof WebAssembly === "object" && typeof WebAssembly.instantiate === "function";
}

/** A kernel instance of its own (for streams that interleave). The Wasm module is still compiled once. */
export async function createKernels(choice: BackendChoice = "auto"): Promise<Kernels> {
  if (choice !== "wasm" && choice !== "js" && choice !== "auto") {
    throw new DiskfluxError("E_ARGUMENT", `unknown backend '${String(choice)}'; use 'wasm', 'js' or 'auto'`);
  }
  if (choice === "js" || (choice === "auto" && !wasmAvailable())) return createJsKernels();
  if (!wasmAvailable()) throw new DiskfluxError("E_WASM", "WebAssembly is not available here; use backend 'js'");
  try {
    const m = await import("./wasm.js");
    return await m.createWasmKernels();
  } catch (e) {
    throw new DiskfluxError("E_WASM", `the WebAssembly kernels failed to load (${String(e)}); use backend 'js'`, { cause: e });
  }
}

/**
 * The kernels of a backend. decode() runs synchronously once it has them, so
 * one instance per backend is shared safely within a thread.
 *
 * @example
 * import { getKernels } from "diskflux";
 * // compile the Wasm module ahead of the first decode(), e.g. while a file is read
 * const kernels = await getKernels("auto");
 * console.log(kernels.backend); // "wasm", or "js" where there is no WebAssembly
 * const twin = await getKernels("js"); // the pure-TypeScript backend, always available
 */
export async function getKernels(choice: BackendChoice = "auto"): Promise<Kernels> {
  if (choice !== "wasm" && choice !== "js" && choice !== "auto") {
    throw new DiskfluxError("E_ARGUMENT", `unknown backend '${String(choice)}'; use 'wasm', 'js' or 'auto'`);
  }
  if (choice === "js" || (choice === "auto" && !wasmAvailable())) return (jsKernels ??= createJsKernels());
  if (!wasmAvailable()) throw new DiskfluxError("E_WASM", "WebAssembly is not available here; use backend 'js'");
  wasmKernels ??= import("./wasm.js").then((m) => m.createWasmKernels()).catch((e: unknown) => {
    wasmKernels = undefined;
    throw new DiskfluxError("E_WASM", `the WebAssembly kernels failed to load (${String(e)}); use backend 'js'`, { cause: e });
  });
  return wasmKernels;
}
