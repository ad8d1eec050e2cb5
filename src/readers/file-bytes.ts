// A capture file's bytes (Node only), read whole but bounded, whatever the path
// names:
//
//   regular file ≤ SNIFF_BYTES          read whole
//   regular file > SNIFF_BYTES          its first SNIFF_BYTES looked at first: not the start of any
//                                       capture → E_FORMAT before the rest is read; larger than
//                                       MAX_FILE_BYTES → E_LIMIT
//   pipe, device, socket                read piece by piece until its end; the first SNIFF_BYTES
//   (/dev/stdin, <(zcat x.sr), /dev/zero)  looked at as above, so an endless stream of what is no
//                                       capture stops at once; more than MAX_FILE_BYTES → E_LIMIT
//   directory                           E_FILE (readAnyCaptureFile reads a KryoFlux directory)
//
// A pipe can be read only once: the CLI keeps what it read for its next reader
// (src/cli/inputs.ts).
import { DiskfluxError } from "../errors.js";
import { escapeInput, escapeName } from "../escape.js";

/** Bytes looked at before a big file or a stream is read on. */
export const SNIFF_BYTES = 128 << 10; // (a KryoFlux stream's first OOB block may be 64 KiB long)
/** The most bytes read whole (Node's own limit for one read of a file). */
export const MAX_FILE_BYTES = 2 ** 31 - 1;
/** Piece read from a pipe or device at a time. */
const PIECE_BYTES = 1 << 20;

/**
 * Whether `head` (a file's first bytes, or all of it) can start a capture; the
 * error to give when it cannot. Supplied by the readers (readers/index.ts).
 */
export type HeadCheck = (head: Uint8Array, source: string) => DiskfluxError | undefined;

/** A file's bytes and base name, with E_FILE errors that say why (see the module header). */
export async function readFileBounded(path: string, api: string, check: HeadCheck): Promise<{ bytes: Uint8Array; base: string }> {
  if (typeof process === "undefined" || typeof process.versions?.node !== "string") {
    throw new DiskfluxError("E_FILE", `${escapeName(path)}: reading files needs Node.js; in a browser pass the bytes to ${api}`);
  }
  const base = path.split(/[\\/]/).pop() || path;
  const fs = await import("node:fs/promises");
  let fh: import("node:fs/promises").FileHandle | undefined;
  try {
    fh = await fs.open(path, "r");
    const st = await fh.stat();
    if (st.isDirectory()) throw Object.assign(new Error("a directory"), { code: "EISDIR" });
    if (st.isFile()) return { bytes: await readRegular(fh, st.size, path, base, check), base };
    return { bytes: await readStream(fh, path, base, check), base };
  } catch (e) {
    if (e instanceof DiskfluxError) throw e;
    throw fileError(path, e);
  } finally {
    await fh?.close().catch(() => {});
  }
}

async function readRegular(fh: import("node:fs/promises").FileHandle, size: number, path: string, base: string, check: HeadCheck): Promise<Uint8Array> {
  if (size > SNIFF_BYTES) {
    const head = new Uint8Array(SNIFF_BYTES);
    const { bytesRead } = await fh.read(head, 0, SNIFF_BYTES, 0);
    const bad = check(head.subarray(0, bytesRead), base);
    if (bad) throw bad;
  }
  if (size > MAX_FILE_BYTES) throw tooLarge(path, size);
  const buf = await fh.readFile();
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

async function readStream(fh: import("node:fs/promises").FileHandle, path: string, base: string, check: HeadCheck): Promise<Uint8Array> {
  const pieces: Uint8Array[] = [];
  let total = 0;
  let checked = false;
  for (;;) {
    // a pipe gives what its writer wrote so far: fill the piece, or reach the end
    const piece = new Uint8Array(PIECE_BYTES);
    let filled = 0;
    while (filled < PIECE_BYTES) {
      const { bytesRead } = await fh.read(piece, filled, PIECE_BYTES - filled, null);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    if (total + filled > MAX_FILE_BYTES) throw tooLarge(path);
    if (filled > 0) pieces.push(filled === PIECE_BYTES ? piece : piece.slice(0, filled));
    total += filled;
    const ended = filled < PIECE_BYTES;
    if (!checked && (total >= SNIFF_BYTES || ended)) {
      checked = true;
      const bad = check(join(pieces, Math.min(total, SNIFF_BYTES)), base);
      if (bad) throw bad;
    }
    if (ended) return join(pieces, total);
  }
}

/** The first n bytes of the pieces, as one array (the piece itself when it holds them all). */
function join(pieces: readonly Uint8Array[], n: number): Uint8Array {
  if (pieces.length === 1 || n === 0) return (pieces[0] ?? new Uint8Array(0)).subarray(0, n);
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of pieces) {
    if (at >= n) break;
    const k = Math.min(p.length, n - at);
    out.set(p.subarray(0, k), at);
    at += k;
  }
  return out;
}

function tooLarge(path: string, size?: number): DiskfluxError {
  const what = size !== undefined ? `${size} bytes, more than` : "a stream longer than";
  return new DiskfluxError(
    "E_LIMIT",
    `${escapeName(path)}: ${what} the ${MAX_FILE_BYTES} bytes diskflux reads whole; split the capture (a .tr file of any size streams with the CLI)`,
  );
}

function fileError(path: string, e: unknown): DiskfluxError {
  const code = (e as { code?: unknown }).code;
  const why =
    code === "ENOENT" ? "no such file" :
    code === "EISDIR" ? "it is a directory" :
    code === "EACCES" || code === "EPERM" ? "permission denied" :
    code === "ERR_INVALID_ARG_VALUE" || code === "ERR_INVALID_ARG_TYPE" ? "not a valid path" :
    escapeInput(e instanceof Error ? e.message : String(e), 200); // node's message quotes the path raw
  return new DiskfluxError("E_FILE", `${escapeName(path)}: cannot read the capture (${why}); check the path`, { cause: e });
}
