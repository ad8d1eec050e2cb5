// The `fields` row as sigrok-cli prints it (`-A mfm=fields`): Sync, marks,
// ID/Data records and CRC verdicts, optionally with sample numbers.
import type { DecodeResult } from "../types.js";

const FIELD_KINDS = new Set(["sync", "mark", "idrec", "datarec", "crc"]);

/** One line per field annotation, each ending in "\n". */
export function fieldLines(result: DecodeResult, opts: { sampleNumbers: boolean }): string[] {
  return result.fields
    .filter((f) => FIELD_KINDS.has(f.kind))
    .map((f) => (opts.sampleNumbers ? `${f.start}-${f.end} mfm-1: ${f.text}\n` : `mfm-1: ${f.text}\n`));
}
