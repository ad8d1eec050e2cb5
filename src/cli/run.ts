// What every diskflux command shares: main()'s error conventions (one-line
// `diskflux: <message>`, exit 2 for usage/option/argument errors, 1 otherwise,
// a stack only with --debug), argument parsing and small argument helpers.
import { parseArgs, type ParseArgsConfig } from "node:util";
import { DiskfluxError, isDiskfluxError } from "../errors.js";
import { escapeInput, escapeName, oneLine, quoteArg } from "../escape.js";
import { concatBytes } from "../bytesink.js";

type Out = NodeJS.WritableStream;

/** Runs a command body with main()'s error conventions: one-line messages, exit 2 for usage errors, 1 otherwise. */
export async function runCommand(argv: string[], err: Out, body: () => Promise<number>): Promise<number> {
  const debug = argv.includes("--debug");
  try {
    return await body();
  } catch (e) {
    if (isDiskfluxError(e)) {
      err.write(`diskflux: ${oneLine(e.message)}\n`);
      if (debug && e.stack) err.write(e.stack + "\n");
      return e.code === "E_USAGE" || e.code === "E_OPTION" || e.code === "E_ARGUMENT" ? 2 : 1;
    }
    err.write(`diskflux: internal error: ${oneLine(e instanceof Error ? e.message : String(e))} (rerun with --debug and report it)\n`);
    if (debug && e instanceof Error && e.stack) err.write(e.stack + "\n");
    return 1;
  }
}

/** node:util parseArgs with E_USAGE errors. */
export function parseCommand<T extends NonNullable<ParseArgsConfig["options"]>>(command: string, args: string[], options: T) {
  try {
    return parseArgs({ args, allowPositionals: true, strict: true, options: { ...options, debug: { type: "boolean" }, help: { type: "boolean", short: "h" } } as T & { debug: { type: "boolean" }; help: { type: "boolean"; short: "h" } } });
  } catch (e) {
    // node's message quotes the offending argument as typed: escape it (node's own text is plain ASCII)
    throw new DiskfluxError("E_USAGE", `${escapeInput(e instanceof Error ? e.message : String(e), 300)}; see 'diskflux ${command} --help'`);
  }
}

/** An integer argument in [min, max]. */
export function intArg(name: string, text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const v = /^\s*\d+\s*$/.test(text) ? Number(text) : NaN;
  if (!(v >= min && v <= max)) throw new DiskfluxError("E_USAGE", `${name} must be a whole number from ${min} to ${max}, not ${quoteArg(text)}`);
  return v;
}

/** A non-negative number argument (1e6, 0.02). */
export function numArg(name: string, text: string | undefined, min = 0, max = Infinity): number | undefined {
  if (text === undefined) return undefined;
  const v = /^\s*[\d.]+(?:e[+-]?\d+)?\s*$/i.test(text) ? Number(text) : NaN;
  if (!(v >= min && v <= max)) throw new DiskfluxError("E_USAGE", `${name} must be a number from ${min} to ${max}, not ${quoteArg(text)}`);
  return v;
}

/** A rate in Hz: 200000000, 200e6, 200M, 200MHz, "15 MHz". */
export function rateArg(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const m = /^\s*(\d+(?:\.\d*)?(?:e[+-]?\d+)?)\s*([kmg]?)(?:hz)?\s*$/i.exec(text);
  const scale: Record<string, number> = { "": 1, k: 1e3, m: 1e6, g: 1e9 };
  const v = m ? Math.round(Number(m[1]) * scale[m[2].toLowerCase()]) : NaN;
  if (!(v > 0) || !Number.isFinite(v)) throw new DiskfluxError("E_USAGE", `${name} must be a frequency such as 200e6 or 15MHz, not ${quoteArg(text)}`);
  return v;
}

/** "3", "3-7", "1,4-5" -> [3], [3..7], [1,4,5]. */
export function listArg(name: string, text: string | undefined, max: number): number[] | undefined {
  if (text === undefined) return undefined;
  const out: number[] = [];
  for (const part of text.split(",")) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    const a = m ? Number(m[1]) : NaN;
    const b = m?.[2] !== undefined ? Number(m[2]) : a;
    if (!(a >= 0 && b >= a && b <= max)) throw new DiskfluxError("E_USAGE", `${name} must be numbers or ranges such as 3, 0-4 or 1,5,7-9 (at most ${max}), not ${quoteArg(text)}`);
    for (let v = a; v <= b; v++) out.push(v);
  }
  return out;
}

/** The file name's extension, lower case, with the dot. */
export function extensionOf(path: string): string {
  const base = path.split(/[\\/]/).pop() ?? path;
  const dot = base.lastIndexOf(".");
  return dot > 0 ? base.slice(dot).toLowerCase() : "";
}

export function baseName(path: string): string {
  return path.split(/[\\/]/).pop() || path;
}

/** Writes a file with E_FILE errors that say why. */
export async function writeFileBytes(path: string, data: Uint8Array | string): Promise<void> {
  const fs = await import("node:fs/promises");
  try {
    await fs.writeFile(path, data);
  } catch (e) {
    throw cannotWrite(path, e);
  }
}

/**
 * A file written piece by piece (`produce` hands each piece to `put`, in order;
 * writeTrStream's sink, for one), never held whole: into a temporary file beside
 * `path`, renamed over it at the end, so that a run that fails leaves the old
 * file (or none). A path that is not a regular file (a device) gets the pieces
 * joined, as writeFileBytes. Errors as writeFileBytes's. Returns the bytes written.
 */
export async function writeFilePieces(path: string, produce: (put: (piece: Uint8Array) => void) => void | Promise<unknown>): Promise<number> {
  const fs = await import("node:fs");
  const { basename, dirname, join } = await import("node:path");
  const st = fs.statSync(path, { throwIfNoEntry: false });
  if (st !== undefined && !st.isFile()) {
    const parts: Uint8Array[] = [];
    await produce((p) => parts.push(p.slice()));
    const bytes = concatBytes(parts);
    await writeFileBytes(path, bytes);
    return bytes.length;
  }
  let target: string, temp: string, fd: number | undefined;
  try {
    target = st !== undefined ? fs.realpathSync(path) : path;
    temp = join(dirname(target), `.${basename(target)}.${process.pid}.diskflux-tmp`);
    fd = fs.openSync(temp, "w");
  } catch (e) {
    throw cannotWrite(path, e);
  }
  try {
    const out = fd;
    let n = 0;
    await produce((p) => {
      for (let at = 0; at < p.length; ) at += fs.writeSync(out, p, at);
      n += p.length;
    });
    fs.closeSync(fd);
    fd = undefined;
    if (st !== undefined) {
      try {
        fs.chmodSync(temp, st.mode & 0o7777);
      } catch {
        // (a file system without modes)
      }
    }
    fs.renameSync(temp, target);
    return n;
  } catch (e) {
    if (fd !== undefined) fs.closeSync(fd);
    fs.rmSync(temp, { force: true });
    throw isDiskfluxError(e) ? e : cannotWrite(path, e);
  }
}

/** A failed write as writeFileBytes tells it: E_FILE, the path and why in words. */
export function cannotWrite(path: string, e: unknown): DiskfluxError {
  const code = (e as { code?: unknown }).code;
  const why =
    code === "ENOENT" ? "no such directory" :
    code === "EISDIR" ? "it is a directory" :
    code === "EACCES" || code === "EPERM" ? "permission denied" :
    code === "ENOSPC" ? "no space left on the device" :
    code === "ERR_INVALID_ARG_VALUE" || code === "ERR_INVALID_ARG_TYPE" ? "not a valid path" :
    escapeInput(e instanceof Error ? e.message : String(e), 200); // node's message quotes the path raw
  return new DiskfluxError("E_FILE", `${escapeName(path)}: cannot write it (${why})`, { cause: e });
}

/** The leading edge from --leading-edge or -P mfm:...:leading_edge=... (default rising). */
export async function leadingEdgeArg(flag: string | undefined, pd: string | undefined): Promise<"rising" | "falling"> {
  if (flag !== undefined && flag !== "rising" && flag !== "falling") throw new DiskfluxError("E_USAGE", `--leading-edge must be rising or falling, not ${quoteArg(flag)}`);
  if (pd !== undefined) {
    if (pd !== "mfm" && !pd.startsWith("mfm:")) throw new DiskfluxError("E_USAGE", `protocol decoder ${quoteArg(pd.split(":")[0])} not found; diskflux provides 'mfm' (-P mfm:<options>)`);
    const { resolveOptions } = await import("../options.js");
    const o = resolveOptions(pd);
    if (flag === undefined) return o.leadingEdge;
  }
  return (flag as "rising" | "falling" | undefined) ?? "rising";
}

/** A multi-track file's warnings (bad checksum with --force, overflow runs…) and missing tracks, on stderr. */
export function reportTracks(any: { warnings?: readonly string[]; missing?: readonly { cyl: number; head: number }[] }, name: string, err: NodeJS.WritableStream): void {
  for (const w of any.warnings ?? []) err.write(`diskflux: warning: ${oneLine(w)}\n`);
  if (any.missing && any.missing.length > 0) {
    const list = any.missing.slice(0, 16).map((m) => `${m.cyl}/${m.head}`).join(", ");
    err.write(`diskflux: warning: ${escapeName(name)}: ${any.missing.length} track(s) missing (cyl/head ${list}${any.missing.length > 16 ? ", …" : ""})\n`);
  }
}
