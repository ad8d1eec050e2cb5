// `diskflux decode ... | head`: when the reader closes the pipe early, the bin
// stops quietly, as Unix tools do (exit status 0, nothing on stderr), instead of
// dying on an unhandled EPIPE 'error' event with a stack trace. Checked for a
// command run on the main thread (decode) and one run on the bin's limited
// worker thread (image, whose output the main thread forwards).
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { synthCommand } from "../src/cli/synth.js";
import { byteSink } from "./support/sink.js";

const tmp = mkdtempSync(join(tmpdir(), "diskflux-pipe-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/**
 * Runs the bin from source, reads its first stdout chunk, then closes the pipe.
 * (Node's child stdio is a socket pair that buffers a few hundred KB: the output
 * must be longer than that for a write to find the pipe closed.)
 */
function runAndCloseEarly(args: string[]): Promise<{ code: number | null; signal: string | null; first: string; err: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", resolve("src/cli/main.ts"), ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let first = "";
  let err = "";
  child.stderr.on("data", (d: Buffer) => (err += d));
  child.stdout.once("data", (d: Buffer) => {
    first = d.toString("latin1");
    child.stdout.destroy();
  });
  return new Promise((res, rej) => {
    child.on("error", rej);
    child.on("close", (code, signal) => res({ code, signal, first, err }));
  });
}

describe.skipIf(!existsSync("/dev/full"))("stdout that fails otherwise (a full disk)", () => {
  test("decode -A mfm > /dev/full: one line on stderr, exit status 1 (it was a stack trace)", async () => {
    const full = openSync("/dev/full", "w");
    const child = spawn(process.execPath, ["--import", "tsx", resolve("src/cli/main.ts"), "decode", "--demo", "-A", "mfm"], { stdio: ["ignore", full, "pipe"] });
    closeSync(full);
    let err = "";
    child.stderr?.on("data", (d: Buffer) => (err += d));
    const code = await new Promise<number | null>((res, rej) => {
      child.on("error", rej);
      child.on("close", (c) => res(c));
    });
    expect(err).toBe("diskflux: cannot write the output (no space left on the device); the output is incomplete\n");
    expect(code).toBe(1);
  }, 60_000);
});

describe("a closed stdout pipe", () => {
  test("decode --demo -A mfm (3 MB of rows): exits 0, quietly, after its first output", async () => {
    const r = await runAndCloseEarly(["decode", "--demo", "-A", "mfm"]);
    expect(r.first).toMatch(/^mfm-1: /);
    expect(r.err).toBe("");
    expect(r.signal).toBeNull();
    expect(r.code).toBe(0);
  }, 60_000);

  test("image (on the bin's worker thread), its sector map as JSON (1.5 MB) piped: exits 0, quietly", async () => {
    const tr = join(tmp, "drive.tr");
    const sink = byteSink();
    expect(await synthCommand(["--format", "MFM", "--cyl", "0-79", "--head", "0-1", "--missing", "1-16", "-o", tr], sink.stream, sink.stream)).toBe(0);
    const r = await runAndCloseEarly(["image", tr, "-P", "mfm:data_rate=5000000:format=MFM", "--jobs", "1", "--json", "-o", join(tmp, "drive.img")]);
    expect(r.first.length).toBeGreaterThan(0);
    expect(r.err).toBe("");
    expect(r.signal).toBeNull();
    expect(r.code).toBe(0);
  }, 120_000);
});
