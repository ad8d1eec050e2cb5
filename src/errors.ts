// The one error type diskflux throws. Decode problems inside a readable capture
// (bad CRC, lost sync, pulses out of tolerance) are data in the result, never errors.
//
// A DiskfluxError's message is always one line: whatever quotes input does so
// through src/escape.ts, and the constructor escapes any control character
// (CR, LF, ESC, NUL, DEL, C1, line separators) that still reaches it.

import { oneLine } from "./escape.js";

/** Stable error codes: part of the API, never renamed. */
export type DiskfluxErrorCode =
  | "E_ARGUMENT" // a bad argument to an API call
  | "E_OPTION" // an invalid decoder option (name or value)
  | "E_USAGE" // a bad command line
  | "E_FILE" // a file that cannot be opened or read
  | "E_FORMAT" // a file whose container format is not recognised
  | "E_CORRUPT" // a recognised container that is damaged or inconsistent
  | "E_LIMIT" // an input beyond what diskflux accepts (absurd sizes)
  | "E_WASM" // the WebAssembly backend is unavailable or failed
  | "E_DETECT"; // auto-detection found no FM/MFM/RLL track to decode

/**
 * The one error diskflux throws: `code` (a DiskfluxErrorCode) says what kind,
 * `message` is one line for people.
 *
 * @example
 * import { DiskfluxError, readCaptureFile } from "diskflux";
 * try {
 *   await readCaptureFile("missing.sr");
 * } catch (e) {
 *   if (!(e instanceof DiskfluxError) || e.code !== "E_FILE") throw e;
 *   console.error(e.message); // missing.sr: cannot read the capture (no such file); check the path
 * }
 */
export class DiskfluxError extends Error {
  readonly code: DiskfluxErrorCode;
  /** `message` is escaped onto one line (oneLine in src/escape.ts); the cause keeps the original. */
  constructor(code: DiskfluxErrorCode, message: string, options?: { cause?: unknown }) {
    super(oneLine(String(message)), options);
    this.name = "DiskfluxError";
    this.code = code;
  }
}

/**
 * True when `e` is a DiskfluxError (narrows it, so `e.code` is typed).
 *
 * @example
 * import { isDiskfluxError, resolveOptions } from "diskflux";
 * try {
 *   resolveOptions("data_rate=1234:format=MFM");
 * } catch (e) {
 *   if (!isDiskfluxError(e)) throw e;
 *   console.error(e.code, e.message); // E_OPTION '1234' is not an allowed value for 'data_rate'; allowed values are: …
 * }
 */
export function isDiskfluxError(e: unknown): e is DiskfluxError {
  return e instanceof DiskfluxError;
}
