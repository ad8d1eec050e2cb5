// Capture readers: sigrok .sr and DSView .dsl sessions, both ZIP archives,
// told apart by their members ("metadata" for sigrok; "header" and L-<ch>/<block>
// data members for DSView), never by the file name.

import type { LogicCapture } from "../capture.js";
import { DiskfluxError } from "../errors.js";
import { readDslZip } from "./dsl.js";
import { readSigrokZip } from "./sigrok.js";
import { ZipArchive } from "./zip.js";

export { readSigrok } from "./sigrok.js";
export { readDsl } from "./dsl.js";

/** Reads a sigrok .sr or DSView .dsl capture from its bytes; `source` names it in messages. */
export async function readCapture(bytes: Uint8Array, source?: string): Promise<LogicCapture> {
  const src = source ?? "capture";
  let zip: ZipArchive;
  try {
    zip = ZipArchive.open(bytes, src);
  } catch (e) {
    if (e instanceof DiskfluxError && e.code === "E_FORMAT") throw notACapture(src, e);
    throw e;
  }
  if (zip.has("metadata")) return readSigrokZip(zip);
  if (zip.has("header") && zip.members.some((m) => /^L-\d+\/\d+$/.test(m.name))) return readDslZip(zip);
  throw notACapture(src);
}

function notACapture(src: string, cause?: unknown): DiskfluxError {
  return new DiskfluxError("E_FORMAT", `${src}: not a sigrok .sr or DSView .dsl capture`, { cause });
}

/** Reads a capture file (Node only). The capture's source is the file's base name. */
export async function readCaptureFile(path: string): Promise<LogicCapture> {
  if (typeof process === "undefined" || typeof process.versions?.node !== "string") {
    throw new DiskfluxError("E_FILE", `${path}: reading files needs Node.js; in a browser pass the bytes to readCapture()`);
  }
  const fs = await import("node:fs/promises");
  let bytes: Uint8Array;
  try {
    const buf = await fs.readFile(path);
    bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    const why =
      code === "ENOENT" ? "no such file" :
      code === "EISDIR" ? "it is a directory" :
      code === "EACCES" || code === "EPERM" ? "permission denied" :
      e instanceof Error ? e.message : String(e);
    throw new DiskfluxError("E_FILE", `${path}: cannot read the capture (${why}); check the path`, { cause: e });
  }
  const base = path.split(/[\\/]/).pop() || path;
  return readCapture(bytes, base);
}

/**
 * Resolves a channel given by index (0, "0") or by name (as the file names it).
 * A string that matches a channel name wins over its reading as a number.
 */
export function channelIndex(capture: Pick<LogicCapture, "channels" | "source">, spec: number | string): number {
  const { channels } = capture;
  if (typeof spec === "string") {
    const named = channels.find((c) => c.name === spec);
    if (named) return named.index;
  }
  const n = typeof spec === "number" ? spec : /^\s*\d+\s*$/.test(spec) ? Number(spec) : NaN;
  if (channels.some((c) => c.index === n)) return n;
  const list = channels.map((c) => (c.name === String(c.index) ? `${c.index}` : `${c.index} (${c.name})`)).join(", ");
  throw new DiskfluxError(
    "E_ARGUMENT",
    `${capture.source ?? "capture"}: no channel ${JSON.stringify(spec)}; the capture has channel${channels.length === 1 ? "" : "s"} ${list || "(none)"}`,
  );
}
