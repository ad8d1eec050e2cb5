// Annotations as sigrok-cli prints them (`-A mfm[=...]`, optionally
// `--protocol-decoder-samplenum`): one line per annotation, `mfm-1: <first text>`
// or `<start>-<end> mfm-1: <first text>`. Needs a decode with { logBytes: true }.
import type { DecodeResult } from "../types.js";
import { CLASSES, ROW_OF_CLASS, classFilter, type AnnotationClass, type AnnotationRow, type ClassFilter } from "./classes.js";
import { walkAnnotations as walkPll, type AnnotationSink } from "./stream.js";
import { walkLegacyAnnotations } from "../legacy/annotate.js";

/** The stream of either decoder: PLL from the event log, legacy by re-running its engine over the kept edges. */
export function walkAnnotations(result: DecodeResult, sink: AnnotationSink): void {
  if (result.options.decoder === "legacy") walkLegacyAnnotations(result, sink);
  else walkPll(result, sink);
}

export { CLASSES, ROWS, parseAnnotationFilter, classFilter } from "./classes.js";
export type { AnnotationClass, AnnotationRow, ClassFilter } from "./classes.js";
export type { AnnotationSink } from "./stream.js";
export { fieldLines } from "./fields.js";

export interface AnnotateOptions {
  /** Row or class names (as in `-A mfm=fields:errors`), or a parsed filter; default everything. */
  classes?: readonly string[] | ClassFilter;
  /** Prefix each line with `<start>-<end> ` (sigrok-cli --protocol-decoder-samplenum). */
  sampleNumbers?: boolean;
}

/** One annotation with all its text variants. */
export interface Annotation {
  start: number;
  end: number;
  class: AnnotationClass;
  row: AnnotationRow;
  texts: string[];
}

const CHUNK = 1 << 20;

/**
 * The annotation stream as text, in chunks of about 1 MB, each made of whole
 * lines ending in "\n". With `write`, chunks go there as they fill and the
 * return value is empty; otherwise they are returned.
 * The result must come from a decode with `logBytes: true`.
 *
 * @example
 * import { annotationChunks, decode, readCaptureFile } from "diskflux";
 * const result = await decode(await readCaptureFile("track.sr"), "data_rate=5000000:format=MFM:header_format=3", { logBytes: true });
 * annotationChunks(result, { classes: ["fields", "errors"] }, (chunk) => process.stdout.write(chunk));
 */
export function annotationChunks(result: DecodeResult, opts: AnnotateOptions = {}, write?: (chunk: string) => void): string[] {
  const out: string[] = [];
  const flush = write ?? ((c: string) => void out.push(c));
  let buf = "";
  const on = classFilter(opts.classes);
  const put = opts.sampleNumbers
    ? (start: number, end: number, _cls: number, text: string) => {
        buf += `${start}-${end} mfm-1: ${text}\n`;
        if (buf.length > CHUNK) { flush(buf); buf = ""; }
      }
    : (_start: number, _end: number, _cls: number, text: string) => {
        buf += `mfm-1: ${text}\n`;
        if (buf.length > CHUNK) { flush(buf); buf = ""; }
      };
  walkAnnotations(result, { on, alternates: false, put });
  if (buf.length > 0) flush(buf);
  return out;
}

/**
 * The whole annotation stream as one string (what `-A mfm` prints).
 *
 * @example
 * import { annotationText, decode, readCaptureFile } from "diskflux";
 * const result = await decode(await readCaptureFile("track.sr"), "data_rate=5000000:format=MFM:header_format=3", { logBytes: true });
 * const text = annotationText(result, { sampleNumbers: true }); // "1234-1290 mfm-1: ..." lines
 */
export function annotationText(result: DecodeResult, opts: AnnotateOptions = {}): string {
  return annotationChunks(result, opts).join("");
}

/**
 * One line per annotation, each ending in "\n".
 *
 * @example
 * import { annotate, decode, readCaptureFile } from "diskflux";
 * const result = await decode(await readCaptureFile("track.sr"), "data_rate=5000000:format=MFM:header_format=3", { logBytes: true });
 * const errors = annotate(result, { classes: ["errors"] });
 * console.log(errors.length, "error annotations");
 */
export function annotate(result: DecodeResult, opts: AnnotateOptions = {}): string[] {
  const lines: string[] = [];
  const on = classFilter(opts.classes);
  const put = opts.sampleNumbers
    ? (start: number, end: number, _cls: number, text: string) => void lines.push(`${start}-${end} mfm-1: ${text}\n`)
    : (_start: number, _end: number, _cls: number, text: string) => void lines.push(`mfm-1: ${text}\n`);
  walkAnnotations(result, { on, alternates: false, put });
  return lines;
}

/**
 * Every annotation as an object with its class, row and all text variants
 * (what `-A mfm --json` prints, one per line).
 *
 * @example
 * import { annotationObjects, decode, readCaptureFile } from "diskflux";
 * const result = await decode(await readCaptureFile("track.sr"), "data_rate=5000000:format=MFM:header_format=3", { logBytes: true });
 * annotationObjects(result, { classes: ["reports"] }, (a) => console.log(a.start, a.end, a.texts[0]));
 */
export function annotationObjects(result: DecodeResult, opts: Pick<AnnotateOptions, "classes"> = {}, each?: (a: Annotation) => void): Annotation[] {
  const list: Annotation[] = [];
  const emit = each ?? ((a: Annotation) => void list.push(a));
  walkAnnotations(result, {
    on: classFilter(opts.classes),
    alternates: true,
    put: (start, end, cls, text, alts) => emit({ start, end, class: CLASSES[cls], row: ROW_OF_CLASS[cls], texts: [text, ...(alts ?? [])] }),
  });
  return list;
}
