// A kernel with a Wasm instance of its own (legacy, GF(2), ECC): the module is
// compiled once (wasm.ts), each such kernel instantiates it once, lazily, and
// falls back to its TypeScript twin where the choice allows. One loader for all.
import { DiskfluxError } from "../errors.js";
import type { BackendChoice } from "./load.js";
import { wasmAvailable } from "./load.js";

export interface OwnInstanceKernel<T> {
  /** "legacy", "GF(2)", "ECC": for messages. */
  readonly name: string;
  /** The assembly/ file whose exports it needs (for the message when they are missing). */
  readonly source: string;
  /** The Wasm kernel over an instance's exports, or undefined when the module lacks them. */
  fromExports(exports: WebAssembly.Exports): T | undefined;
  /** The TypeScript twin (cache it in here when one instance is shared). */
  twin(): T;
}

/**
 * The kernel for a backend choice: "js" → the twin; "wasm" → the Wasm kernel
 * (E_WASM when unavailable); "auto" → Wasm when the module has it, else the twin.
 */
export function ownInstanceLoader<T>(k: OwnInstanceKernel<T>): (choice?: BackendChoice) => Promise<T> {
  let shared: Promise<T | undefined> | undefined;
  const instance = (): Promise<T | undefined> => {
    shared ??= (async () => {
      const { instantiateKernelModule } = await import("./wasm.js");
      return k.fromExports((await instantiateKernelModule()).exports);
    })().catch((e: unknown) => {
      shared = undefined;
      throw new DiskfluxError("E_WASM", `the WebAssembly kernels failed to load (${String(e)}); use backend 'js'`, { cause: e });
    });
    return shared;
  };
  return async (choice: BackendChoice = "auto") => {
    if (choice !== "wasm" && choice !== "js" && choice !== "auto") {
      throw new DiskfluxError("E_ARGUMENT", `unknown backend '${String(choice)}'; use 'wasm', 'js' or 'auto'`);
    }
    if (choice === "js" || (choice === "auto" && !wasmAvailable())) return k.twin();
    if (!wasmAvailable()) throw new DiskfluxError("E_WASM", "WebAssembly is not available here; use backend 'js'");
    const w = await instance();
    if (w) return w;
    if (choice === "auto") return k.twin();
    throw new DiskfluxError("E_WASM", `the kernel module has no ${k.name} exports (assembly/index.ts must re-export ${k.source}); use backend 'js'`);
  };
}
