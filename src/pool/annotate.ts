// An annotate job of the pool (the CLI's `decode -A` over many captures): a
// capture's annotation stream made where it is decoded (a worker, or the calling
// thread), the same bytes `-A` writes on the main thread: the PLL decoder
// annotates as it decodes (annotateCapture, src/annotate/incremental.ts); the
// legacy decoder annotates a whole decode (annotationChunks / annotationObjects).
// The annotation modules load on the first annotate job: plain decode pools never
// load them.
import type { Capture } from "../capture.js";
import type { DecodeOptions } from "../options.js";
import type { DecodeRequest } from "../types.js";
import type { AnnotateWork, TextPiece } from "./protocol.js";

/** Writes a piece; a returned promise holds the next piece back until it settles. */
export type PieceWriter = (piece: TextPiece) => void | Promise<void>;

/** The annotations of one capture, handed to `write` in pieces of whole lines. */
export async function annotateWork(
  capture: Capture, options: string | DecodeOptions, request: DecodeRequest, a: AnnotateWork, write: PieceWriter,
): Promise<void> {
  const { resolveOptionsShared } = await import("../options.js");
  const backend = request.backend ?? "auto";
  if (resolveOptionsShared(options).decoder !== "legacy") {
    const { annotateCapture } = await import("../annotate/incremental.js");
    await annotateCapture(capture, options, {
      classes: a.classes, sampleNumbers: a.sampleNumbers, json: a.json,
      ...(a.json && a.jsonExtra ? { jsonExtra: a.jsonExtra } : {}),
      backend, ...(request.channels ? { channels: request.channels } : {}),
    }, write);
    return;
  }
  const { decode } = await import("../decode.js");
  const ann = await import("../annotate/index.js");
  const result = await decode(capture, options, {
    backend, logBytes: true, ...(request.channels ? { channels: request.channels } : {}), ...(request.recover ? { recover: request.recover } : {}),
  });
  const pieces: string[] = [];
  if (a.json) {
    const extra = a.jsonExtra ?? {};
    let buf = "";
    ann.annotationObjects(result, { classes: a.classes }, (o) => {
      buf += JSON.stringify({ ...extra, ...o }) + "\n";
      if (buf.length > 1 << 20) {
        pieces.push(buf);
        buf = "";
      }
    });
    if (buf) pieces.push(buf);
  } else {
    ann.annotationChunks(result, { classes: a.classes, sampleNumbers: a.sampleNumbers }, (c) => void pieces.push(c));
  }
  for (const p of pieces) {
    const wait = write(p);
    if (wait) await wait;
  }
}

/** The annotations of one capture as pieces in memory (a job decoded for the pool). */
export async function annotatePieces(capture: Capture, options: string | DecodeOptions, request: DecodeRequest, a: AnnotateWork): Promise<TextPiece[]> {
  const pieces: TextPiece[] = [];
  await annotateWork(capture, options, request, a, (p) => void pieces.push(p));
  return pieces;
}
