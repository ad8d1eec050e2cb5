// Picks a backend. The Wasm module is compiled lazily, once, on first use —
// never at import time — and its memory views are built once: the module's
// memory never grows (static regions, assembly/memory.ts).
import type { Kernels, BackendName } from "./backend.js";
import { createJsKernels } from "./js.js";
import { DiskfluxError } from "../errors.js";

export type BackendChoice = BackendName | "auto";

let wasmKernels: Promise<Kernels> | undefined;
let jsKernels: Kernels | undefined;

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
