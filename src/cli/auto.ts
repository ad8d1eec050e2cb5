// Auto-detection for the commands: `decode`/`image` without -P (or with
// -P mfm, -P mfm:auto, key=auto) and `diskflux detect`. Detection runs once over
// the first captures given and its option string applies to all of them.
import type { Capture } from "../capture.js";
import type { DetectResult } from "../detect/detect.js";
import { oneLine } from "../escape.js";
import type { ChannelMap } from "../types.js";

type Out = NodeJS.WritableStream;
type Backend = "wasm" | "js" | "auto";

/** Captures looked at for detection, and the most samples read from one streamed capture. */
export const DETECT_CAPTURES = 8;
const DETECT_SAMPLE_BYTES = 16 << 20;

/** True when a -P value (or none) asks for detection. */
export async function isAuto(pd: string | undefined): Promise<boolean> {
  if (pd === undefined) return true;
  const { wantsDetection } = await import("../detect/options.js");
  return pd.trim() === "mfm" || wantsDetection(pd);
}

/**
 * The captures of the first files (every track of a multi-track file counts),
 * at most DETECT_CAPTURES, each at most DETECT_SAMPLE_BYTES of samples.
 */
export async function detectionCaptures(files: readonly string[], opts: { rate?: number; force?: boolean } = {}): Promise<Capture[]> {
  const { readAnyCapture, readAnyCaptureFile } = await import("../readers/index.js");
  const { inputBytes, statOf } = await import("./inputs.js");
  const { looksLikeZip } = await import("../readers/zip.js");
  const out: Capture[] = [];
  for (const f of files) {
    if (out.length >= DETECT_CAPTURES) break;
    const st = await statOf(f);
    if (st?.isDirectory()) { // a KryoFlux set
      const any = await readAnyCaptureFile(f, opts.force ? { force: true } : {});
      if (any.kind === "single") out.push(any.capture);
      else for (const t of any.tracks.slice(0, DETECT_CAPTURES - out.length)) out.push(t.capture);
      continue;
    }
    const { bytes, base } = await inputBytes(f, st ? { st } : {}); // a pipe's bytes stay for the decode
    if (looksLikeZip(bytes) && bytes.length > DETECT_SAMPLE_BYTES / 8) {
      // a long capture: its first samples are enough to detect, and memory stays bounded
      const { captureHead } = await import("../readers/stream.js");
      out.push((await captureHead(bytes, base, DETECT_SAMPLE_BYTES)).capture);
      continue;
    }
    const any = await readAnyCapture(bytes, base, { ...(opts.rate !== undefined ? { csv: { sampleRate: opts.rate }, vcd: { sampleRate: opts.rate } } : {}), ...(opts.force ? { force: true } : {}) });
    if (any.kind === "single") out.push(any.capture);
    else for (const t of any.tracks.slice(0, DETECT_CAPTURES - out.length)) out.push(t.capture);
  }
  return out;
}

/** One line for stderr: what was found and how sure. */
export function detectionNote(found: DetectResult): string {
  const line = `diskflux: detected -P mfm:${found.optionString} (confidence ${found.confidence})`;
  if (found.confidence !== "low") return line + "\n";
  const why = found.evidence.missing.length ? `: ${oneLine(found.evidence.missing.join("; "))}` : "";
  return `${line}\ndiskflux: warning: using a low-confidence guess${why}\n`;
}

/** Detects over the first files; writes the note to err; returns the option string for all of them. */
export async function detectForFiles(
  files: readonly string[],
  pd: string | undefined,
  backend: Backend,
  err: Out,
  opts: { rate?: number; force?: boolean; channels?: ChannelMap } = {},
): Promise<DetectResult> {
  const { detect } = await import("../detect/detect.js");
  const captures = await detectionCaptures(files, { ...(opts.rate !== undefined ? { rate: opts.rate } : {}), ...(opts.force ? { force: true } : {}) });
  const found = await detect(captures, pd ?? "auto", { backend, ...(opts.channels ? { channels: opts.channels } : {}) });
  err.write(detectionNote(found));
  return found;
}
