// A sigrok session's leading edges straight from its compressed `logic-1-N`
// members through the fused inflate→edges kernel (src/kernels/inflate-edges*.ts):
// the samples pass through the kernel's 288 KiB window and are never held
// whole. The result is the EdgeCapture that captureEdges (src/detect/edges.ts)
// makes from readSigrok's samples, record for record.
//
// Measured (docs/fused-reader.md, bench/inflate-edges.bench.ts,
// browser-test/inflate-edges.test.ts): in Node, in a loop over warm buffers, it
// is NOT the 3× the issue asks for (fused 0.9–1.2× with the CRC check, 1.4×
// without: zlib inflates these captures at ~7 GB/s and checks the CRC-32
// natively); where the reader has no zlib (browsers: DecompressionStream and a
// table-loop CRC-32) it is 4.8× faster over the shared captures. In the CLI,
// where zlib's output lands in fresh pages capture after capture, it is faster
// in Node too (fusedPreferred()). The pool's file reads call it (src/pool/read.ts),
// falling back to today's path when it answers undefined. The members' CRC-32:
// Node's zlib.crc32 over the samples the kernel hands over (IE_CRC_HOST; 3.6×
// the kernel's slice-by-8, which was 80 % of the fused read), the kernel's own
// where the platform has none (docs/fused-reader.md, "The CRC-32 from the platform").
//
// Guards: it answers undefined (use today's path) for what it does not cover —
// sample units wider than a byte, stored (method 0) members. When the kernel
// refuses a member, the platform inflater is asked: if that refuses it too,
// its E_CORRUPT error is thrown (the message today's reader gives); if it
// accepts it, the answer is undefined, so a kernel gap never costs a capture.
// A member whose length or CRC-32 differs from what the directory declares is
// E_CORRUPT, as in extractInto.
import { EdgeList } from "../edge-list.js";
import type { EdgeCapture } from "../capture.js";
import type { ChannelMap } from "../types.js";
import { DiskfluxError } from "../errors.js";
import { escapeName, quoteInput } from "../escape.js";
import { resolveChannel } from "../stream.js";
import type { BackendChoice } from "../kernels/load.js";
import { getInflateEdges, inflateEdges, type HostCrc32 } from "../kernels/inflate-edges-load.js";
import { IE_CRC_HOST, IE_CRC_KERNEL, IE_CRC_NONE, IE_IN_CAP } from "../kernels/inflate-edges-abi.js";
import { platformCrc32, type ZipArchive, type ZipMember } from "./zip.js";
import { sigrokSession } from "./sigrok.js";

export interface FusedEdgesOptions {
  channels?: ChannelMap;
  leadingEdge?: "rising" | "falling";
  /** Kernel backend (default "auto": Wasm when available). */
  backend?: BackendChoice;
  /** Check each member's CRC-32 (default true, as extractInto does). */
  verifyCrc?: boolean;
  /** Who computes the CRC-32: the platform's (Node's zlib.crc32) where there is one (default), or the kernel. */
  crc?: "platform" | "kernel";
  /**
   * A list to gather the edges in, restarted here: the capture's edges are then
   * views of its buffers, good until its next use (a thread's reads one after
   * another, src/pool/read.ts). Default: a list of this capture's own.
   */
  into?: EdgeList;
}

const LOCAL_SIZE = 30;
const SIG_LOCAL = 0x04034b50;
const AGAIN = "re-copy or re-export the capture";

/** The compressed bytes of a member (after ZipArchive.check has passed). */
function memberBytes(zip: ZipArchive, m: ZipMember): Uint8Array {
  const b = zip.bytes;
  const at = m.offset;
  const u16 = (p: number) => b[p] | (b[p + 1] << 8);
  if (at + LOCAL_SIZE > b.length || (u16(at) | (u16(at + 2) << 16)) >>> 0 !== SIG_LOCAL) {
    throw new DiskfluxError("E_CORRUPT", `${escapeName(zip.source)}: local header of member ${quoteInput(m.name)} is missing or out of bounds; ${AGAIN}`);
  }
  const start = at + LOCAL_SIZE + u16(at + 26) + u16(at + 28);
  if (start + m.compressedSize > b.length) {
    throw new DiskfluxError("E_CORRUPT", `${escapeName(zip.source)}: member ${quoteInput(m.name)} extends past the end of the file (truncated?); ${AGAIN}`);
  }
  return b.subarray(start, start + m.compressedSize);
}

/**
 * Whether the pool's file reads (src/pool/read.ts) take the fused path: true
 * everywhere. In a browser it measured 4.8× today's path; in Node, in a loop
 * over warm buffers, 0.9–1.2× (docs/fused-reader.md), but in the CLI, where each
 * capture's 3.3 MB of inflated samples lands in fresh pages (and `-A` rows and
 * edge lists did too), 100 captures with `decode -A mfm=fields` took 13–27 % less
 * wall time and 35–55 % less memory through it (2026-11-27, docs/fused-reader.md
 * "In the CLI").
 */
export function fusedPreferred(): boolean {
  return true;
}

/**
 * The leading edges of a sigrok session through the fused kernel, or
 * undefined when the session is one it leaves to today's path.
 */
export async function sigrokEdgesFused(zip: ZipArchive, options: FusedEdgesOptions = {}): Promise<EdgeCapture | undefined> {
  const session = await sigrokSession(zip);
  if (session.unitSize !== 1 || session.chunks.some((c) => c.method !== 8)) return undefined;
  const src = session.source;
  const channels = options.channels ?? {};
  const setup = { sampleRate: session.sampleRate, unitSize: 1, channels: session.channels, source: src };
  const dataBit = resolveChannel(setup, channels.data, 0);
  const indexBit = resolveChannel(setup, channels.index, 1);
  const suppressBit = resolveChannel(setup, channels.suppress, 2);
  const verify = options.verifyCrc ?? true;

  const k = await getInflateEdges(options.backend ?? "auto");
  // (Node's zlib.crc32, 0.58 ms for a capture's 3.3 MB on the 2-core EPYC against 2.1 ms for the kernel's
  // slice-by-8, which was 80 % of the fused read; browsers have none: the kernel's own)
  const hostCrc: HostCrc32 | undefined = verify && options.crc !== "kernel" ? await platformCrc32() : undefined;
  k.configure(dataBit, indexBit, suppressBit, (options.leadingEdge ?? "rising") === "rising" ? 1 : 0, hostCrc ? IE_CRC_HOST : verify ? IE_CRC_KERNEL : IE_CRC_NONE);
  const list = options.into ?? new EdgeList(indexBit >= 0);
  options.into?.restart(indexBit >= 0);
  const sink = (e: Float64Array, ix: Uint8Array, n: number): void => list.push(e, ix, n);

  for (const m of session.chunks) {
    const r = inflateEdges(k, memberBytes(zip, m), sink, undefined, IE_IN_CAP, hostCrc);
    if (!r.ok) {
      // The guard: the platform inflater decides. It throws E_CORRUPT when the
      // member is damaged; when it reads the member, today's path takes over.
      await zip.extract(m, { verifyCrc: false });
      return undefined;
    }
    if (r.produced !== m.uncompressedSize) {
      const what = r.produced > m.uncompressedSize ? `more than ${m.uncompressedSize}` : `${r.produced}`;
      throw new DiskfluxError("E_CORRUPT", `${escapeName(src)}: member ${quoteInput(m.name)} inflates to ${what} bytes but declares ${m.uncompressedSize}; the file is damaged, ${AGAIN}`);
    }
    if (verify && r.crc !== m.crc32 >>> 0) {
      const hex8 = (n: number) => n.toString(16).toUpperCase().padStart(8, "0");
      throw new DiskfluxError(
        "E_CORRUPT",
        `${escapeName(src)}: member ${quoteInput(m.name)} fails its CRC-32 check (${hex8(r.crc)}, expected ${hex8(m.crc32 >>> 0)}); the file is damaged, ${AGAIN}`,
      );
    }
  }
  return {
    kind: "edges",
    sampleRate: session.sampleRate,
    ...(options.into ? list.peek() : list.take()),
    sampleCount: session.sampleCount,
    source: src,
  };
}
