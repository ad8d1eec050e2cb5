// The CLI's capture files, read where a command needs them. A path that is not
// a regular file or directory (a pipe: /dev/stdin, bash's <(zcat disk.sr); a
// device) can be read only once, but detection reads the first captures before
// the decode does: its bytes are kept here from the first read until the
// decode takes them (inputBytes(path, { last: true })).
import type { Stats } from "node:fs";

const once = new Map<string, Promise<{ bytes: Uint8Array; base: string }>>();

/** The path's stat, or undefined when it cannot be had (the read then says why). */
export async function statOf(path: string): Promise<Stats | undefined> {
  const { stat } = await import("node:fs/promises");
  return stat(path).catch(() => undefined);
}

/** Whether the path can be read only once (neither a regular file nor a directory). */
export function readOnce(st: Stats | undefined): boolean {
  return st !== undefined && !st.isFile() && !st.isDirectory();
}

/**
 * A capture file's bytes (readFileBytes: bounded, E_FILE errors that say why).
 * A read-once path's bytes are kept for its next reader; `last` lets them go.
 */
export async function inputBytes(path: string, o: { st?: Stats; last?: boolean } = {}): Promise<{ bytes: Uint8Array; base: string }> {
  const { readFileBytes } = await import("../readers/index.js");
  if (!readOnce(o.st ?? (await statOf(path)))) return readFileBytes(path, "readAnyCapture()");
  let read = once.get(path);
  if (!read) {
    read = readFileBytes(path, "readAnyCapture()");
    once.set(path, read);
  }
  if (o.last) once.delete(path);
  return read;
}
