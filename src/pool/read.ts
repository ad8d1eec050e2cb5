// A file input of decodeMany, read where it is decoded (a worker, or the calling
// thread): readAnyCapture, which tells the format by content. The readers load
// on the first file, so pools of captures never load them.
import type { Capture } from "../capture.js";
import { DiskfluxError } from "../errors.js";
import { escapeName } from "../escape.js";
import type { FileWork, TrackPlace } from "./protocol.js";

/** The one capture a file holds (a single capture, or a file of one track with its place). */
export async function readFileWork(f: FileWork): Promise<{ capture: Capture } & TrackPlace> {
  const { readAnyCapture } = await import("../readers/index.js");
  const any = await readAnyCapture(f.bytes, f.source, f.read ?? {});
  if (any.kind === "single") return { capture: any.capture };
  if (any.tracks.length === 1) {
    const t = any.tracks[0];
    return { capture: t.capture, cyl: t.cyl, head: t.head };
  }
  throw new DiskfluxError(
    "E_ARGUMENT",
    `${escapeName(f.source ?? "capture")}: holds ${any.tracks.length} tracks; read it with readAnyCapture() and give decodeMany its tracks`,
  );
}
