// The legacy decoder's hot loop on either backend: the TypeScript core
// (src/legacy/core.ts) or its Wasm twin (assembly/legacy.ts), both behind
// LegacyCoreApi. The twin runs in its own instance of the kernel module, so
// it never touches the PLL kernels' memory.
//
// Wasm memory (regions of assembly/legacy.ts, constants in src/legacy/abi.ts):
//   edges f64 [LEGACY_EDGE_CAP]  ← load() copies the edges here
//   config f64 [LC_LEN]          ← configure() writes LegacyParams here
//   status f64 [LS_LEN]          → the byte of CORE_BYTE and the counters
import * as L from "../legacy/abi.js";
import { LegacyCore, type LegacyCoreApi } from "../legacy/core.js";
import type { LegacyParams } from "../legacy/params.js";
import type { BackendChoice } from "./load.js";
import { ownInstanceLoader } from "./own-instance.js";
import { DiskfluxError } from "../errors.js";

/** The exports assembly/index.ts gets from assembly/legacy.ts. */
export interface LegacyExports {
  memory: WebAssembly.Memory;
  legacyEdgesPtr(): number;
  legacyConfigPtr(): number;
  legacyStatusPtr(): number;
  legacyConfigure(): void;
  legacyLoad(count: number): void;
  legacyRun(): number;
  legacyUnsync(): void;
}

export function hasLegacyExports(x: unknown): x is LegacyExports {
  const e = x as Partial<LegacyExports> | null;
  return typeof e === "object" && e !== null && e.memory instanceof WebAssembly.Memory &&
    typeof e.legacyRun === "function" && typeof e.legacyLoad === "function" && typeof e.legacyConfigure === "function";
}

/** LegacyParams → the config region. */
export function writeLegacyConfig(cfg: Float64Array, p: LegacyParams): void {
  if (p.centres.length > L.MAX_CENTRES || p.syncPatterns.length > L.MAX_PATTERNS) {
    throw new DiskfluxError("E_ARGUMENT", "legacy configuration does not fit the kernel's config region");
  }
  cfg.fill(0);
  cfg[L.LC_BIT_CELL] = p.bitCell;
  cfg[L.LC_TOLERANCE] = p.tolerance;
  cfg[L.LC_FIRST_INTERVAL] = p.firstInterval;
  cfg[L.LC_FM] = p.fm ? 1 : 0;
  cfg[L.LC_NUM_CENTRES] = p.centres.length;
  p.centres.forEach((c, i) => (cfg[L.LC_CENTRES + i] = c));
  p.windows.forEach((w, i) => (cfg[L.LC_WINDOWS + i] = w));
  cfg[L.LC_NUM_PATTERNS] = p.syncPatterns.length;
  p.syncPatterns.forEach((v, i) => (cfg[L.LC_PATTERNS + i] = v));
}

/** The Wasm twin behind LegacyCoreApi. */
export class WasmLegacyCore implements LegacyCoreApi {
  readonly backend = "wasm";
  readonly capacity = L.LEGACY_EDGE_CAP;
  private readonly edges: Float64Array;
  private readonly cfg: Float64Array;
  private readonly status: Float64Array;

  constructor(private readonly x: LegacyExports) {
    const buf = x.memory.buffer;
    this.edges = new Float64Array(buf, x.legacyEdgesPtr(), L.LEGACY_EDGE_CAP);
    this.cfg = new Float64Array(buf, x.legacyConfigPtr(), L.LC_LEN);
    this.status = new Float64Array(buf, x.legacyStatusPtr(), L.LS_LEN);
  }

  configure(p: LegacyParams): void {
    writeLegacyConfig(this.cfg, p);
    this.x.legacyConfigure();
  }

  load(edges: Float64Array, count: number): void {
    if (count > L.LEGACY_EDGE_CAP) throw new DiskfluxError("E_ARGUMENT", `at most ${L.LEGACY_EDGE_CAP} edges per load`);
    this.edges.set(count === edges.length ? edges : edges.subarray(0, count));
    this.x.legacyLoad(count);
  }

  run(): number { return this.x.legacyRun(); }
  unsync(): void { this.x.legacyUnsync(); }
  get byteValue(): number { return this.status[L.LS_BYTE_VALUE]; }
  get byteClock(): number { return this.status[L.LS_BYTE_CLOCK]; }
  get byteFirst(): boolean { return this.status[L.LS_BYTE_FIRST] !== 0; }
  get byteStart(): number { return this.status[L.LS_BYTE_START]; }
  get byteEnd(): number { return this.status[L.LS_BYTE_END]; }
  get intervals(): number { return this.status[L.LS_INTERVALS]; }
  get ooti(): number { return this.status[L.LS_OOTI]; }
  get eipw(): number { return this.status[L.LS_EIPW]; }
  get synced(): boolean { return this.status[L.LS_SYNCED] !== 0; }
  get windowStart(): number { return this.status[L.LS_WIN_START]; }
  get windowEnd(): number { return this.status[L.LS_WIN_END]; }
  get windowWidth(): number { return this.status[L.LS_WIDTH]; }
  get pattern(): number { return this.status[L.LS_PATTERN]; }
  get queued(): number { return this.status[L.LS_QUEUED]; }
}

/** A Wasm core of its own from an instantiated module that has the legacy exports. */
export function wasmLegacyCore(exports: unknown): WasmLegacyCore {
  if (!hasLegacyExports(exports)) {
    throw new DiskfluxError("E_WASM", "the kernel module has no legacy exports (assembly/index.ts must re-export assembly/legacy.ts)");
  }
  return new WasmLegacyCore(exports);
}

/**
 * The hot loop for a backend choice: "js" → TypeScript; "wasm" → the twin (an
 * E_WASM error when unavailable); "auto" → the twin when the kernel module has
 * it, else TypeScript. decode() runs synchronously once it has the core, so
 * the shared Wasm instance is safe within a thread.
 */
export const legacyCore: (choice?: BackendChoice) => Promise<LegacyCoreApi> = ownInstanceLoader<LegacyCoreApi>({
  name: "legacy",
  source: "assembly/legacy.ts",
  fromExports: (x) => (hasLegacyExports(x) ? new WasmLegacyCore(x) : undefined),
  twin: () => new LegacyCore(),
});
