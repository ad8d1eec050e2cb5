// Escaped messages (issue 14, part 1): the helper in src/escape.ts, the
// DiskfluxError constructor's last line of defence, and every reader's and
// command's error paths fed control characters (ESC [, BEL, CR, LF, NUL),
// 0xFF and non-ASCII through tokens, identifiers, cells, metadata values,
// member names and file names. Each message must be one line of printable
// ASCII (the "…" of a cut aside) that shows the input in its escaped form.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { strToU8, zipSync, type Zippable } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { convertCommand } from "../src/cli/convert.js";
import { imageCommand } from "../src/cli/image.js";
import { intArg, listArg, numArg, rateArg, writeFileBytes } from "../src/cli/run.js";
import { DiskfluxError } from "../src/errors.js";
import { escapeInput, escapeName, NAME_LIMIT, oneLine, QUOTE_LIMIT, quoteArg, quoteInput } from "../src/escape.js";
import { readCsv } from "../src/readers/csv.js";
import { readDsl } from "../src/readers/dsl.js";
import { channelIndex, readAnyCapture, readCapture, readCaptureFile } from "../src/readers/index.js";
import { readSigrok } from "../src/readers/sigrok.js";
import { readTr } from "../src/readers/tr.js";
import { readVcd, readVcdTracks } from "../src/readers/vcd.js";
import { ZipArchive } from "../src/readers/zip.js";
import { writeTr } from "../src/writers/tr.js";

// ---------------------------------------------------------------- helpers

/** A line as the CLI prints it: printable ASCII, plus the "…" that marks a cut. */
const SAFE_LINE = /^[\x20-\x7e…]+$/;

/** The message is one safe line and shows each of `escaped` (the input's escaped form). */
function expectSafe(message: string, ...escaped: string[]): void {
  expect(message, JSON.stringify(message)).toMatch(SAFE_LINE);
  for (const e of escaped) expect(message, JSON.stringify(message)).toContain(e);
}

function errorOf(f: () => unknown): DiskfluxError {
  try {
    f();
  } catch (e) {
    expect(e, String(e)).toBeInstanceOf(DiskfluxError);
    return e as DiskfluxError;
  }
  return expect.fail("expected a DiskfluxError");
}

async function rejectionOf(p: Promise<unknown>): Promise<DiskfluxError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e, String(e)).toBeInstanceOf(DiskfluxError);
  return e as DiskfluxError;
}

const enc = (s: string) => new TextEncoder().encode(s);
const cat = (...parts: (string | Uint8Array | number[])[]) => {
  const bytes = parts.map((p) => (typeof p === "string" ? enc(p) : Uint8Array.from(p)));
  const out = new Uint8Array(bytes.reduce((n, b) => n + b.length, 0));
  let at = 0;
  for (const b of bytes) {
    out.set(b, at);
    at += b.length;
  }
  return out;
};

/** Inverse of escapeInput for uncut text: the bytes it stands for. */
function unescapeText(text: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== "\\") {
      out.push(c.charCodeAt(0));
      continue;
    }
    const n = text[i + 1];
    if (n === "x") {
      out.push(parseInt(text.slice(i + 2, i + 4), 16));
      i += 3;
    } else {
      out.push(n.charCodeAt(0));
      i += 1;
    }
  }
  return Uint8Array.from(out);
}

// A file name, a token, a value: ESC [ 3 1 m, BEL, CR, LF, NUL, U+00FF, U+00E9 (é)
const EVIL = "\x1b[31m\x07\r\n\x00\u00ffé";
const EVIL_ESC = "\\x1b[31m\\x07\\x0d\\x0a\\x00\\xc3\\xbf\\xc3\\xa9";
// the same as raw bytes where the format splits lines (no CR, LF): 0xFF as a byte of its own
const EVIL_BYTES = [0x1b, 0x5b, 0x33, 0x31, 0x6d, 0x07, 0x00, 0xff, 0xc3, 0xa9];
const EVIL_BYTES_ESC = "\\x1b[31m\\x07\\x00\\xff\\xc3\\xa9";
// inside one line of an INI or CSV (lines split at CR and LF; CSV refuses NUL)
const EVIL_CELL = "\x1b[31m\x07\u00ffé";
const EVIL_CELL_ESC = "\\x1b[31m\\x07\\xc3\\xbf\\xc3\\xa9";
// a file name that can exist on disk (no NUL)
const EVIL_FILE = "\x1b[31m\x07\r\n\u00ffé";
const EVIL_FILE_ESC = "\\x1b[31m\\x07\\x0d\\x0a\\xc3\\xbf\\xc3\\xa9";
const EVIL_NAME = `cap${EVIL}.sr`;
const EVIL_NAME_ESC = `cap${EVIL_ESC}.sr`;

// ---------------------------------------------------------------- the helper

describe("escapeInput / quoteInput / quoteArg / escapeName", () => {
  it("keeps printable ASCII, doubles backslashes, and writes every other byte as \\xNN", () => {
    expect(escapeInput("plain text 0-9 ~")).toBe("plain text 0-9 ~");
    expect(escapeInput("a\\b")).toBe("a\\\\b");
    expect(escapeInput("\x1b[31mred\x1b[0m")).toBe("\\x1b[31mred\\x1b[0m");
    expect(escapeInput("\x07\r\n\t\x00\x7f")).toBe("\\x07\\x0d\\x0a\\x09\\x00\\x7f");
    expect(escapeInput("é€😀")).toBe("\\xc3\\xa9\\xe2\\x82\\xac\\xf0\\x9f\\x98\\x80");
    expect(escapeInput("\u009b")).toBe("\\xc2\\x9b"); // C1 CSI
    expect(escapeInput("\ud800x")).toBe("\\xef\\xbf\\xbdx"); // a lone surrogate, as TextEncoder writes it
    expect(escapeInput(Uint8Array.of(0x00, 0xff, 0x41, 0x5c, 0x7f, 0x80))).toBe("\\x00\\xffA\\\\\\x7f\\x80");
    expect(escapeInput("")).toBe("");
  });

  it("cuts to a short prefix, never inside an escape, and marks the cut with …", () => {
    expect(escapeInput("a".repeat(QUOTE_LIMIT))).toBe("a".repeat(QUOTE_LIMIT));
    expect(escapeInput("a".repeat(QUOTE_LIMIT + 1))).toBe(`${"a".repeat(QUOTE_LIMIT)}…`);
    expect(escapeInput(new Uint8Array(100).fill(0xff))).toBe(`${"\\xff".repeat(10)}…`);
    expect(escapeInput(cat("a", new Uint8Array(20).fill(0xff)))).toBe(`a${"\\xff".repeat(9)}…`);
    expect(escapeInput("é".repeat(10), 10)).toBe("\\xc3\\xa9…"); // one code point is one piece
    expect(escapeInput("abcdef", 3)).toBe("abc…");
    // a huge input costs nothing: only its start is looked at
    const huge = new Uint8Array(64 << 20).fill(0xff);
    const t0 = performance.now();
    expect(quoteInput(huge, 7)).toBe(`"${"\\xff".repeat(10)}…" at byte 7`);
    expect(performance.now() - t0).toBeLessThan(50);
  });

  it("quotes tokens with their byte offset, command-line values in single quotes", () => {
    expect(quoteInput("x")).toBe('"x"');
    expect(quoteInput("\x1b[31m", 1234)).toBe('"\\x1b[31m" at byte 1234');
    expect(quoteInput('say "hi"')).toBe('"say \\"hi\\""');
    expect(quoteInput("it's")).toBe(`"it's"`);
    expect(quoteArg("nope")).toBe("'nope'");
    expect(quoteArg("it's\n")).toBe("'it\\'s\\x0a'");
    expect(quoteArg('say "hi"')).toBe(`'say "hi"'`);
  });

  it("escapes names like tokens but with a longer limit and single backslashes (Windows paths)", () => {
    expect(escapeName("hdd_mfm_RQDX3.sr")).toBe("hdd_mfm_RQDX3.sr");
    expect(escapeName("C:\\captures\\a.sr")).toBe("C:\\captures\\a.sr");
    expect(escapeName(EVIL_NAME)).toBe(EVIL_NAME_ESC);
    const long = "d/".repeat(200);
    expect(escapeName(long)).toBe(`${long.slice(0, NAME_LIMIT)}…`);
  });

  it("always gives one line of printable ASCII that stands for the input's bytes (property)", () => {
    const text = fc.oneof(fc.string({ unit: "binary", maxLength: 60 }), fc.string({ unit: "grapheme", maxLength: 30 }), fc.string({ maxLength: 60 }));
    fc.assert(
      fc.property(text, fc.nat({ max: 80 }), (s, max) => {
        const out = escapeInput(s, max + 1);
        expect(out).toMatch(/^[\x20-\x7e]*…?$/);
        expect(out.length).toBeLessThanOrEqual(max + 2);
        const whole = escapeInput(s, Infinity);
        expect(Buffer.from(unescapeText(whole)).equals(Buffer.from(enc(s)))).toBe(true);
        if (!out.endsWith("…")) expect(out).toBe(whole);
        else expect(whole.startsWith(out.slice(0, -1))).toBe(true);
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (b) => {
        const whole = escapeInput(b, Infinity);
        expect(whole).toMatch(/^[\x20-\x7e]*$/);
        expect(Buffer.from(unescapeText(whole)).equals(Buffer.from(b))).toBe(true);
        expect(quoteInput(b, 3)).toMatch(/^"[\x20-\x7e]*…?" at byte 3$/);
      }),
      { numRuns: 300 },
    );
  });
});

describe("DiskfluxError keeps its message on one line", () => {
  it("escapes control characters that reach the constructor, and nothing else", () => {
    const e = new DiskfluxError("E_CORRUPT", `x.vcd: bad\r\n\x1b[2J\x07\x00\x7f\u009b\u2028\u202e "token" … 5 µs`);
    expect(e.message).toBe('x.vcd: bad\\x0d\\x0a\\x1b[2J\\x07\\x00\\x7f\\x9b\\u2028\\u202e "token" … 5 µs');
    expect(e.code).toBe("E_CORRUPT");
    expect(e.name).toBe("DiskfluxError");
    expect(e).toBeInstanceOf(Error);
    const cause = new Error("inner");
    expect(new DiskfluxError("E_FILE", "f", { cause }).cause).toBe(cause);
  });

  it("leaves escaped text and ordinary messages as they are", () => {
    const msg = `a.sr: member ${quoteInput(EVIL)} fails its CRC-32 check`;
    expect(new DiskfluxError("E_CORRUPT", msg).message).toBe(msg);
    expect(oneLine("no samplerate in metadata; the decoder cannot work without it")).toBe("no samplerate in metadata; the decoder cannot work without it");
  });
});

// ---------------------------------------------------------------- VCD

const VCD_HEAD = "$timescale 1 ns $end\n$scope module top $end\n$var wire 1 ! data $end\n$var wire 1 \" index $end\n$upscope $end\n$enddefinitions $end\n";

describe("VCD reader: tokens and identifiers are quoted escaped, with their byte offset", () => {
  const vcdError = (bytes: Uint8Array, src = "t.vcd", opts: Parameters<typeof readVcd>[2] = {}) => errorOf(() => readVcd(bytes, src, opts));

  it("an unexpected token (ESC [, BEL, NUL, 0xFF, UTF-8)", () => {
    const head = `${VCD_HEAD}#0 1!\n`;
    const e = vcdError(cat(head, EVIL_BYTES, "\n#5\n"));
    expect(e.code).toBe("E_CORRUPT");
    expectSafe(e.message, `"${EVIL_BYTES_ESC}" at byte ${enc(head).length}`, "not a VCD timestamp");
  });

  it("a run of 0xFF is cut to a short prefix", () => {
    const head = `${VCD_HEAD}#0 1!\n`;
    const e = vcdError(cat(head, new Uint8Array(100_000).fill(0xff), "\n"));
    expectSafe(e.message, `"${"\\xff".repeat(10)}…" at byte ${enc(head).length}`);
    expect(e.message.length).toBeLessThan(200);
  });

  it("timestamps, $ keywords, vector values and declarations", () => {
    const cases: [Uint8Array, string][] = [
      [cat(VCD_HEAD, "#12", EVIL_BYTES, "\n"), `timestamp "#12${EVIL_BYTES_ESC}" at byte ${enc(VCD_HEAD).length}`],
      [cat(VCD_HEAD, "#0 $", EVIL_BYTES, " $end\n"), `unexpected "$${EVIL_BYTES_ESC}" at byte ${enc(VCD_HEAD).length + 3}`],
      [cat(VCD_HEAD, "#0 b1", EVIL_BYTES, " !\n"), `vector value "b1${EVIL_BYTES_ESC}" at byte ${enc(VCD_HEAD).length + 3}`],
      [cat("$timescale 1", EVIL_BYTES, " ns $end\n"), `$timescale "1${EVIL_BYTES_ESC} ns" at byte 0`],
      [cat("$timescale 1 ns $end $var wire ", EVIL_BYTES, " $end\n"), `$var "wire ${EVIL_BYTES_ESC}" at byte 21 is incomplete`],
      [cat("$timescale 1 ns $end $var wire ", EVIL_BYTES, " ! x $end\n"), `$var "wire ${EVIL_BYTES_ESC} ! x" at byte 21 has no valid size`],
      [cat("$timescale 1 ns $end\n1", EVIL_BYTES, "\n"), `value change for "${EVIL_BYTES_ESC}" at byte 21`],
      [cat(VCD_HEAD, "#0 1!\n$var wire 1 ", EVIL_BYTES, " late $end\n"), `wire "${EVIL_BYTES_ESC}" ($var at byte ${enc(VCD_HEAD).length + 6})`],
    ];
    for (const [bytes, escaped] of cases) {
      const e = vcdError(bytes);
      expect(["E_CORRUPT", "E_LIMIT"]).toContain(e.code);
      expectSafe(e.message, escaped);
    }
  });

  it("wire names and identifiers from the file, and the wire asked for", () => {
    const bytes = cat("$timescale 1 ns $end\n$var wire 1 ", EVIL_BYTES, " ", EVIL_BYTES, "name $end\n$enddefinitions $end\n#0\n");
    const e = vcdError(bytes, "t.vcd", { as: "edges", dataWire: EVIL });
    expect(e.code).toBe("E_ARGUMENT");
    expectSafe(e.message, `no wire "${EVIL_ESC}"`, `${EVIL_BYTES_ESC}name (${EVIL_BYTES_ESC})`);
    const many = cat("$timescale 1 ns $end\n", Array.from({ length: 40 }, (_, i) => `$var wire 1 w${i} n${i} $end\n`).join(""), "$enddefinitions $end\n#0\n");
    const m = vcdError(many, "t.vcd", { as: "edges", dataWire: "nope" });
    expectSafe(m.message, "n15 (w15), … (40 wires)");
  });

  it("the file name", () => {
    const e = vcdError(enc("$timescale 1 ns $end\n"), EVIL_NAME);
    expectSafe(e.message, `${EVIL_NAME_ESC}: no $var declarations`);
    const f = errorOf(() => readVcdTracks(enc("junk"), EVIL_NAME));
    expectSafe(f.message, `${EVIL_NAME_ESC}: does not start with a VCD declaration`);
  });
});

// ---------------------------------------------------------------- CSV

describe("CSV reader: cells, headers and names are escaped", () => {
  it("a cell that is not a logic level", () => {
    const e = errorOf(() => readCsv(enc(`; Samplerate: 1 MHz\n0,1\n1,${EVIL_CELL}\n`), "t.csv"));
    expect(e.code).toBe("E_CORRUPT");
    expectSafe(e.message, `line 3, column 2: "${EVIL_CELL_ESC}" is not a logic level`);
  });

  it("a time that is not a number, and a first column that is neither 0/1 nor a time", () => {
    const t = errorOf(() => readCsv(enc(`Time [s],data\n0,1\n${EVIL_CELL},0\n`), "t.csv"));
    expectSafe(t.message, `line 3: time "${EVIL_CELL_ESC}" is not a non-negative number`);
    const c = errorOf(() => readCsv(enc(`; Samplerate: 1 MHz\n2,1\n${EVIL_CELL},0\n`), "t.csv"));
    expectSafe(c.message, `line 3: column 1 holds "${EVIL_CELL_ESC}"`);
  });

  it("header names (channel names) listed when a channel is not found", () => {
    const c = readCsv(enc(`; Samplerate: 1 MHz\n${EVIL_CELL}RD,IDX\n0,1\n1,0\n`), EVIL_NAME);
    expect(c.channels[0].name).toBe(`${EVIL_CELL}RD`); // the data keeps the name as it is
    const e = errorOf(() => channelIndex(c, EVIL));
    expect(e.code).toBe("E_ARGUMENT");
    expectSafe(e.message, `${EVIL_NAME_ESC}: no channel "${EVIL_ESC}"`, `0 (${EVIL_CELL_ESC}RD), 1 (IDX)`);
  });

  it("binary data and the file name", () => {
    const e = errorOf(() => readCsv(Uint8Array.of(0x30, 0x2c, 0x31, 0x0a, 0, 0xff), EVIL_NAME));
    expect(e.code).toBe("E_FORMAT");
    expectSafe(e.message, `${EVIL_NAME_ESC}: holds binary data`);
  });
});

// ---------------------------------------------------------------- sigrok .sr (zip)

function srZip(device: Record<string, string>, extra: Zippable = { "logic-1-1": new Uint8Array(16) }, version = "2"): Uint8Array {
  const dev = { capturefile: "logic-1", "total probes": "2", samplerate: "1 MHz", probe1: "RD", probe2: "IDX", unitsize: "1", ...device };
  const meta = `[global]\nsigrok version=0.5.2\n\n[device 1]\n${Object.entries(dev).map(([k, v]) => `${k}=${v}`).join("\n")}\n`;
  return zipSync({ version: strToU8(version), metadata: strToU8(meta), ...extra });
}

// INI lines split at LF (CR LF): a lone CR stays inside a value
const EVIL_INI = "\x1b[31m\x07\r\x00\u00ffé";
const EVIL_INI_ESC = "\\x1b[31m\\x07\\x0d\\x00\\xc3\\xbf\\xc3\\xa9";

describe("sigrok .sr reader: metadata values, channel names and member names are escaped", () => {
  it("samplerate text", async () => {
    const e = await rejectionOf(readSigrok(srZip({ samplerate: `15${EVIL_INI}` }), "t.sr"));
    expect(e.code).toBe("E_CORRUPT");
    expectSafe(e.message, `samplerate "15${EVIL_INI_ESC}" in metadata is not a frequency`);
  });

  it("version, counts and the capture file name", async () => {
    const v = await rejectionOf(readSigrok(srZip({}, undefined, EVIL_INI), "t.sr"));
    expectSafe(v.message, `version "${EVIL_INI_ESC}" is not supported`);
    const p = await rejectionOf(readSigrok(srZip({ "total probes": EVIL_INI }), "t.sr"));
    expectSafe(p.message, `"total probes" = "${EVIL_INI_ESC}"`);
    const f = await rejectionOf(readSigrok(srZip({ capturefile: EVIL_INI }), "t.sr"));
    expectSafe(f.message, `no logic data (members "${EVIL_INI_ESC}-1", ...)`);
    const g = await rejectionOf(readSigrok(srZip({ capturefile: EVIL_INI }, { [`${EVIL_INI}-2`]: new Uint8Array(4) }), "t.sr"));
    expectSafe(g.message, `logic chunk "${EVIL_INI_ESC}-1" is missing (found "${EVIL_INI_ESC}-2")`);
  });

  it("channel names from the metadata", async () => {
    const c = await readCapture(srZip({ probe1: `<b>${EVIL_INI}`, probe2: "\x1b]0;title\x07" }), EVIL_NAME);
    const e = errorOf(() => channelIndex(c, "nine"));
    expectSafe(e.message, `${EVIL_NAME_ESC}: no channel "nine"`, `0 (<b>${EVIL_INI_ESC}), 1 (\\x1b]0;title\\x07)`);
  });

  it("a member name inside the archive", async () => {
    const name = EVIL;
    const bytes = zipSync({ [name]: [strToU8("hello world"), { level: 0 }] });
    const at = Buffer.from(bytes).indexOf("hello world");
    bytes[at] ^= 1; // stored data: the CRC-32 check fails
    const zip = ZipArchive.open(bytes, EVIL_NAME);
    const e = await rejectionOf(zip.extract(name));
    expect(e.code).toBe("E_CORRUPT");
    expectSafe(e.message, `${EVIL_NAME_ESC}: member "${EVIL_ESC}" fails its CRC-32 check`);
    const m = await rejectionOf(zip.extract(`${EVIL}x`));
    expectSafe(m.message, `no member "${EVIL_ESC}…" in the archive`);
  });

  it("the file name, for any reader", async () => {
    for (const p of [readCapture(new Uint8Array(100).fill(7), EVIL_NAME), readAnyCapture(Uint8Array.of(1, 2, 3, 0, 0xff), EVIL_NAME), readSigrok(zipSync({ a: strToU8("x") }), EVIL_NAME)]) {
      const e = await rejectionOf(p);
      expect(e.code).toBe("E_FORMAT");
      expectSafe(e.message, `${EVIL_NAME_ESC}: `);
    }
  });
});

// ---------------------------------------------------------------- DSView .dsl

function dslZip(header: Record<string, string>): Uint8Array {
  const h = { "total samples": "64", "total probes": "1", "total blocks": "1", samplerate: "1 MHz", probe0: "RD", ...header };
  const text = `[version]\nversion = 3\n[header]\n${Object.entries(h).map(([k, v]) => `${k} = ${v}`).join("\n")}\n`;
  return zipSync({ header: strToU8(text), session: strToU8("{}"), "L-0/0": new Uint8Array(8) });
}

describe("DSView .dsl reader: header values and channel names are escaped", () => {
  it("samplerate, device mode and counts", async () => {
    const r = await rejectionOf(readDsl(dslZip({ samplerate: EVIL_INI }), "t.dsl"));
    expectSafe(r.message, `samplerate "${EVIL_INI_ESC}" in header`);
    const m = await rejectionOf(readDsl(dslZip({ "device mode": EVIL_INI }), "t.dsl"));
    expectSafe(m.message, `device mode "${EVIL_INI_ESC}"`);
    const n = await rejectionOf(readDsl(dslZip({ "total samples": EVIL_INI }), "t.dsl"));
    expectSafe(n.message, `"total samples" = "${EVIL_INI_ESC}" in the DSView header`);
  });

  it("channel names and the file name", async () => {
    const c = await readCapture(dslZip({ probe0: EVIL_INI }), EVIL_NAME);
    expect(c.channels[0].name).toBe(EVIL_INI);
    const e = errorOf(() => channelIndex(c, 5));
    expectSafe(e.message, `${EVIL_NAME_ESC}: no channel 5`, `0 (${EVIL_INI_ESC})`);
  });
});

// ---------------------------------------------------------------- .tr

describe(".tr reader: file names are escaped; header texts never reach a message raw", () => {
  const track = { cyl: 0, head: 0, capture: { kind: "edges" as const, sampleRate: 200e6, edges: Float64Array.from([100, 300, 500, 700]) } };
  const tr = () => writeTr([track], { commandLine: `mfm_read ${EVIL}`, note: `note ${EVIL}` });

  it("a damaged track and a damaged header", () => {
    const bytes = tr();
    bytes[bytes.length - 20] ^= 0xff; // inside the track's CRC-covered bytes
    const e = errorOf(() => readTr(bytes, EVIL_NAME));
    expect(e.code).toBe("E_CORRUPT");
    expectSafe(e.message, `${EVIL_NAME_ESC}: track record 0 (cyl 0 head 0)`);
    const h = tr();
    h[40] ^= 0xff; // inside the command line: the header checksum fails
    expectSafe(errorOf(() => readTr(h, EVIL_NAME)).message, `${EVIL_NAME_ESC}: header checksum`);
  });

  it("warnings, and the header texts kept as they are in the result", () => {
    const bytes = tr().slice(0, -16); // no end marker
    const file = readTr(bytes, EVIL_NAME);
    expect(file.note).toBe(`note ${EVIL}`);
    expect(file.warnings).toHaveLength(1);
    expectSafe(file.warnings[0], `${EVIL_NAME_ESC}: no end marker`);
  });
});

// ---------------------------------------------------------------- files and the command line

describe("file names and command-line values", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "diskflux-escape-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function run(cmd: typeof convertCommand, args: string[]) {
    let out = "", err = "";
    const stream = (f: (s: string) => void) => ({ write: (s: string | Uint8Array) => (f(typeof s === "string" ? s : Buffer.from(s).toString()), true) }) as unknown as NodeJS.WritableStream;
    const code = await cmd(args, stream((s) => (out += s)), stream((s) => (err += s)));
    return { code, out, err };
  }

  /** Every line the command printed to stderr is one safe `diskflux: ...` line. */
  function expectSafeErr(err: string, ...escaped: string[]): void {
    expect(err.endsWith("\n"), JSON.stringify(err)).toBe(true);
    for (const line of err.slice(0, -1).split("\n")) expectSafe(line);
    for (const e of escaped) expect(err).toContain(e);
  }

  it("a file that cannot be read or written", async () => {
    const path = join(dir, `no${EVIL_FILE}such.sr`);
    const e = await rejectionOf(readCaptureFile(path));
    expect(e.code).toBe("E_FILE");
    expectSafe(e.message, `${escapeName(path)}: cannot read the capture (no such file)`, `no${EVIL_FILE_ESC}such.sr`);
    const nul = await rejectionOf(readCaptureFile(join(dir, `no${EVIL}such.sr`)));
    expectSafe(nul.message, `no${EVIL_ESC}such.sr: cannot read the capture (not a valid path)`);
    const w = await rejectionOf(writeFileBytes(join(dir, `no${EVIL_FILE}dir`, "x.bin"), "x"));
    expectSafe(w.message, `no${EVIL_FILE_ESC}dir/x.bin: cannot write it (no such directory)`);
    const wn = await rejectionOf(writeFileBytes(join(dir, `x${EVIL}.bin`), "x"));
    expectSafe(wn.message, `x${EVIL_ESC}.bin: cannot write it (not a valid path)`);
  });

  it("argument values", () => {
    expectSafe(errorOf(() => intArg("--cyl", EVIL, 0, 9)).message, `--cyl must be a whole number from 0 to 9, not '${EVIL_ESC}'`);
    expectSafe(errorOf(() => numArg("--jitter", EVIL)).message, `not '${EVIL_ESC}'`);
    expectSafe(errorOf(() => rateArg("--rate", EVIL)).message, `not '${EVIL_ESC}'`);
    expectSafe(errorOf(() => listArg("--cyl", EVIL, 9)).message, `not '${EVIL_ESC}'`);
  });

  it("diskflux convert: file names, --track and the tr warnings it prints", async () => {
    const missing = await run(convertCommand, [join(dir, `in${EVIL}.sr`), join(dir, "x.tr")]);
    expect(missing.code).toBe(1);
    expectSafeErr(missing.err, `in${EVIL_ESC}.sr: cannot read the capture`);

    const badOut = await run(convertCommand, [join(dir, "in.sr"), join(dir, `out${EVIL}.txt`)]);
    expect(badOut.code).toBe(2);
    expectSafeErr(badOut.err, `out${EVIL_ESC}.txt: the output must end in .tr, .vcd, .sr, .scp or .hfe`);

    const badTrack = await run(convertCommand, [join(dir, "in.sr"), join(dir, "x.vcd"), "--track", EVIL]);
    expect(badTrack.code).toBe(2);
    expectSafeErr(badTrack.err, `--track takes CYL:HEAD such as 0:1, not '${EVIL_ESC}'`);

    const badEdge = await run(convertCommand, [join(dir, "in.sr"), join(dir, "x.vcd"), "--leading-edge", EVIL]);
    expectSafeErr(badEdge.err, `--leading-edge must be rising or falling, not '${EVIL_ESC}'`);
    const badPd = await run(convertCommand, [join(dir, "in.sr"), join(dir, "x.vcd"), "-P", `${EVIL}:a=b`]);
    expectSafeErr(badPd.err, `protocol decoder '${EVIL_ESC}' not found`);

    // a .tr with a hostile name on disk, without its end marker: the warning names it escaped
    const track = { cyl: 0, head: 0, capture: { kind: "edges" as const, sampleRate: 200e6, edges: Float64Array.from([100, 300, 500, 700]) } };
    const name = `t${EVIL_FILE}.tr`;
    writeFileSync(join(dir, name), writeTr([track]).slice(0, -16));
    const warned = await run(convertCommand, [join(dir, name), join(dir, `o${EVIL_FILE}.vcd`)]);
    expect(warned.code, warned.err).toBe(0);
    expectSafeErr(warned.err, `diskflux: warning: t${EVIL_FILE_ESC}.tr: no end marker`);
    expect(warned.out).toMatch(/^[\x20-\x7e…]+\n$/);
    expect(warned.out).toContain(`o${EVIL_FILE_ESC}.vcd: 4 transitions`);
  });

  it("diskflux image: option values", async () => {
    const r = await run(imageCommand, [join(dir, "in.sr"), "-P", "mfm", "-o", join(dir, "o.img"), "--backend", EVIL]);
    expect(r.code).toBe(2);
    expectSafeErr(r.err, `--backend must be wasm, js or auto, not '${EVIL_ESC}'`);
    const u = await run(imageCommand, [join(dir, "in.sr"), "-P", "mfm", "-o", join(dir, "o.img"), `--x${EVIL}`]);
    expect(u.code).toBe(2);
    expectSafeErr(u.err, `Unknown option '--x${EVIL_ESC}'`);
  });
});

describe("option values and CLI arguments are quoted through the helper", () => {
  it("a -P value with control characters and non-ASCII comes back escaped on one line", async () => {
    const { resolveOptions } = await import("../src/options.js");
    let message = "";
    try {
      resolveOptions("format=\u001b[31mMF\nM\u00e9");
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^'\\x1b\[31mMF\\x0aM\\xc3\\xa9' is not an allowed value for 'format'/);
    expect(message).not.toMatch(/[\x00-\x1f\x7f]/);
  });
});
