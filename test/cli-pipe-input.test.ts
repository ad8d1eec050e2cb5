// Inputs that are not regular files (src/readers/file-bytes.ts, src/cli/inputs.ts):
// - a pipe (`cat disk.sr | diskflux decode /dev/stdin`, bash's <(zcat disk.sr.gz))
//   can be read once: detection and the decode must share that one read, and a
//   .tr through a pipe streams from the bytes read (before the fix, the decode
//   read an empty pipe after detection: "not a capture");
// - an endless device (/dev/zero, /dev/urandom) or a huge file that starts no
//   capture is refused after its first bytes (before the fix, `decode /dev/zero`
//   grew past 2.8 GB in 6 s);
// - a huge file that does start like a capture gets E_LIMIT, not Node's RangeError.
import { spawn } from "node:child_process";
import { closeSync, existsSync, ftruncateSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { DiskfluxError } from "../src/errors.js";
import { readFileBytes } from "../src/readers/index.js";
import { MAX_FILE_BYTES } from "../src/readers/file-bytes.js";
import { synthCommand } from "../src/cli/synth.js";
import { byteSink } from "./support/sink.js";
import { SAMPLES_DIR, haveShared, warnMissing } from "./support/shared.js";

const tmp = mkdtempSync(join(tmpdir(), "diskflux-pipe-in-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/**
 * The bin from source; with `stdinFile`, that file through a real pipe (a shell's
 * `cat FILE | diskflux ...`: Node's own child stdio is a socket pair, which
 * /dev/stdin cannot open). Its stdout, stderr and exit status.
 */
function bin(args: string[], stdinFile?: string): Promise<{ code: number | null; out: string; err: string }> {
  const cmd = [process.execPath, "--import", "tsx", resolve("src/cli/main.ts"), ...args];
  const child = stdinFile === undefined
    ? spawn(cmd[0], cmd.slice(1), { stdio: ["ignore", "pipe", "pipe"] })
    : spawn("/bin/sh", ["-c", 'f="$1"; shift; cat "$f" | "$@"', "sh", stdinFile, ...cmd], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d));
  child.stderr.on("data", (d: Buffer) => (err += d));
  return new Promise((res, rej) => {
    child.on("error", rej);
    child.on("close", (code) => res({ code, out, err }));
  });
}

const unix = process.platform !== "win32" && existsSync("/dev/zero") && existsSync("/bin/sh");

describe.skipIf(!unix)("inputs that are not regular files", () => {
  const sample = join(SAMPLES_DIR, "fdd_mfm.sr");

  test("decode /dev/stdin with detection: the same table as the file (one read shared)", async () => {
    if (!haveShared) return warnMissing("decode /dev/stdin (needs samples/fdd_mfm.sr)");
    const fromFile = await bin(["decode", sample]);
    expect(fromFile.code).toBe(0);
    const piped = await bin(["decode", "/dev/stdin"], sample);
    expect(piped.err).toMatch(/detected -P mfm:/);
    expect(piped.code).toBe(0);
    const timeless = (t: string) => t.replace(/backend, [\d.]+ ms/, "backend, … ms");
    expect(timeless(piped.out)).toBe(timeless(fromFile.out.replaceAll(sample, "/dev/stdin")));
    expect(piped.out).toMatch(/21 sectors, 20 with good ID and data CRCs/);
  }, 120_000);

  test("image of a .tr through a pipe: the same image as from the file", async () => {
    const tr = join(tmp, "small.tr");
    const sink = byteSink();
    expect(await synthCommand(["--format", "MFM", "--cyl", "0-3", "--head", "0-1", "-o", tr], sink.stream, sink.stream)).toBe(0);
    const p = "-P mfm:data_rate=5000000:format=MFM".split(" ");
    const a = await bin(["image", tr, ...p, "-o", join(tmp, "a.img")]);
    const b = await bin(["image", "/dev/stdin", ...p, "-o", join(tmp, "b.img")], tr);
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    expect(b.err).toBe("");
    const img = readFileSync(join(tmp, "b.img"));
    expect(img.length).toBe(4 * 2 * 17 * 512);
    expect(Buffer.compare(img, readFileSync(join(tmp, "a.img")))).toBe(0);
  }, 120_000);

  test("decode /dev/zero: a one-line E_FORMAT at once, not an endless read", async () => {
    const r = await bin(["decode", "/dev/zero"]);
    expect(r.code).toBe(1);
    expect(r.err).toBe("diskflux: zero: not a capture diskflux reads (sigrok .sr, DSView .dsl, dgesswein/mfm .tr, SuperCard Pro .scp, HxC .hfe, KryoFlux stream, VCD or CSV)\n");
  }, 60_000);

  test("readFileBytes: /dev/urandom and /dev/zero refused after their first bytes", async () => {
    await expect(readFileBytes("/dev/urandom")).rejects.toMatchObject({ code: "E_FORMAT" });
    await expect(readFileBytes("/dev/zero")).rejects.toBeInstanceOf(DiskfluxError);
  });

  test("a sparse file over the limit: E_FORMAT when it starts no capture, else E_LIMIT saying the limit (nothing read whole)", async () => {
    const make = (name: string, head: Uint8Array) => {
      const f = join(tmp, name);
      const fd = openSync(f, "w");
      writeSync(fd, head);
      ftruncateSync(fd, MAX_FILE_BYTES + 1);
      closeSync(fd);
      return f;
    };
    const zeros = make("zeros.bin", new Uint8Array(16));
    const zip = make("big.sr", new Uint8Array([0x50, 0x4b, 3, 4]));
    await expect(readFileBytes(zeros)).rejects.toMatchObject({ code: "E_FORMAT" });
    const e = await readFileBytes(zip).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DiskfluxError);
    expect((e as DiskfluxError).code).toBe("E_LIMIT");
    expect((e as DiskfluxError).message).toBe(
      `${zip}: ${MAX_FILE_BYTES + 1} bytes, more than the ${MAX_FILE_BYTES} bytes diskflux reads whole; split the capture (a .tr file of any size streams with the CLI)`,
    );
    rmSync(zeros);
    rmSync(zip);
  });
});
