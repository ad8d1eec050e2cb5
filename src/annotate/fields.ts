// The `fields` row as sigrok-cli prints it (`-A mfm=fields`): Sync, marks,
// ID/Data records and CRC verdicts, optionally with sample numbers.
import type { DecodeResult } from "../types.js";

const FIELD_KINDS = new Set(["sync", "mark", "idrec", "datarec", "crc"]);

/**
 * One line per field annotation, each ending in "\n" (what `-A mfm=fields` prints).
 *
 * @example
 * import { decode, fieldLines, readCaptureFile } from "diskflux";
 * const result = await decode(await readCaptureFile("track.sr"), "data_rate=5000000:format=MFM:header_format=3");
 * for (const line of fieldLines(result, { sampleNumbers: false })) process.stdout.write(line); // "mfm-1: ID Record: cyl=0, sec=1, len=512, ..."
 */
export function fieldLines(result: DecodeResult, opts: { sampleNumbers: boolean }): string[] {
  return result.fields
    .filter((f) => FIELD_KINDS.has(f.kind))
    .map((f) => (opts.sampleNumbers ? `${f.start}-${f.end} mfm-1: ${f.text}\n` : `mfm-1: ${f.text}\n`));
}
