// `diskflux decode -A ...`: the annotation stream of one capture written to
// stdout as it is made (src/annotate/incremental.ts), a big .sr/.dsl inflated
// piece by piece, waiting for 'drain' whenever stdout's buffer is full, so memory
// stays bounded whatever the capture's length and however slow stdout is.
import type { Capture } from "../capture.js";
import type { ClassFilter } from "../annotate/classes.js";
import type { AnnotationWriter } from "../annotate/incremental.js";

export interface AnnotateJob {
  name: string;
  options: string;
  capture?: Capture;
  /** A big session, streamed from its compressed bytes. */
  stream?: { bytes: Uint8Array };
}

export interface AnnotateCliOptions {
  classes: ClassFilter;
  sampleNumbers: boolean;
  json: boolean;
  /** Several captures in one call: JSON objects say which. */
  multi: boolean;
  backend: "wasm" | "js" | "auto";
}

/** Whether a job's annotations can be made incrementally (every decoder but legacy). */
export async function annotatesIncrementally(options: string): Promise<boolean> {
  const { resolveOptions } = await import("../options.js");
  return resolveOptions(options).decoder !== "legacy";
}

/** A writer onto a Node stream that waits for 'drain' when write() says the buffer is full. */
export function streamWriter(out: NodeJS.WritableStream): AnnotationWriter {
  return (text) => {
    if (out.write(text)) return;
    return new Promise<void>((resolve, reject) => {
      const done = () => {
        out.off("drain", done);
        out.off("close", done);
        out.off("error", fail);
        resolve();
      };
      const fail = (e: unknown) => {
        out.off("drain", done);
        out.off("close", done);
        out.off("error", fail);
        reject(e);
      };
      out.on("drain", done);
      out.on("close", done);
      out.on("error", fail);
    });
  };
}

/** Writes one job's annotations; a streamed job shows a progress bar on a terminal stderr. */
export async function writeAnnotations(job: AnnotateJob, o: AnnotateCliOptions, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<void> {
  const { annotateCapture, annotateSampleChunks } = await import("../annotate/incremental.js");
  const opts = {
    classes: o.classes,
    sampleNumbers: o.sampleNumbers,
    json: o.json,
    ...(o.json && o.multi ? { jsonExtra: { capture: job.name } } : {}),
    backend: o.backend,
  };
  const write = streamWriter(out);
  if (job.stream === undefined) {
    await annotateCapture(job.capture!, job.options, opts, write);
    return;
  }
  const { openCaptureStream } = await import("../readers/stream.js");
  const s = await openCaptureStream(job.stream.bytes, job.name.split(/[\\/]/).pop() || job.name);
  const total = s.setup.sampleCount * (s.setup.unitSize ?? 1);
  const tty = (err as { isTTY?: boolean }).isTTY === true;
  let done = 0, shown = -1;
  async function* progress(chunks: AsyncGenerator<Uint8Array>): AsyncGenerator<Uint8Array> {
    for await (const chunk of chunks) {
      yield chunk;
      done += chunk.length;
      const pct = Math.floor((100 * done) / total);
      if (tty && pct !== shown) {
        shown = pct;
        err.write(`\r${job.name}: [${"#".repeat(Math.floor(pct / 4)).padEnd(25, ".")}] ${pct}%`);
      }
    }
  }
  await annotateSampleChunks(progress(s.chunks(1 << 20)), s.setup, job.options, opts, write);
  if (tty) err.write("\n");
}
