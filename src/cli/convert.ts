// `diskflux convert <in> <out>`: any capture diskflux reads to .tr, .vcd, .sr,
// .scp or .hfe, chosen by the output's extension, or to KryoFlux stream files
// (an output named <prefix>NN.S.raw, one such file, or a directory). Also the small helpers the
// image and synth commands share (argument parsing, numbers, writing files,
// error reporting).
//
//   diskflux convert capture.sr capture.tr            200 MHz transitions (other rates rescaled)
//   diskflux convert capture.tr track.vcd --track 0:1 one track, tr_to_vcd style
//   diskflux convert disk.tr 'c{cyl}h{head}.sr'       every track to its own file
//   diskflux convert disk.scp disk.hfe                flux to bit cells (src/writers/hfe.ts)
//   diskflux convert kryoflux-dir disk.scp            revolutions and index kept (src/writers/scp.ts)
//   diskflux convert disk.scp out/trackNN.S.raw       KryoFlux streams, every track (src/writers/kryoflux.ts);
//                                                     also out/ (trackNN.S.raw in it) or one file track05.1.raw
//
// Exit codes as `diskflux decode`: 0 ok, 1 unreadable input or unwritable output, 2 usage.

import { logicToEdges, type Capture, type EdgeCapture, type LogicCapture } from "../capture.js";
import { DiskfluxError } from "../errors.js";
import { escapeName, oneLine, quoteArg } from "../escape.js";
import { runCommand, parseCommand, extensionOf, intArg, rateArg, leadingEdgeArg, baseName, writeFileBytes, writeFilePieces } from "./run.js";

export const CONVERT_USAGE = `usage: diskflux convert <input> <output.tr|output.vcd|output.sr|output.scp|output.hfe|DIR/trackNN.S.raw|DIR/> [options]
  input: sigrok .sr, DSView .dsl, dgesswein/mfm .tr, .vcd, .csv, SuperCard Pro .scp, HxC .hfe,
         KryoFlux stream files or a directory of them (told apart by content)
  .scp: every track, all revolutions and index times kept, 25 ns ticks; a capture without
        index pulses is cut into revolutions of one rotation (--rpm, default 300)
  .hfe: one revolution per track as bit cells at the data rate (nearest cell)
  KryoFlux: an output named PREFIXNN.S.raw (the letters NN.S) writes every track as
        PREFIX<cyl>.<head>.raw beside it; an existing directory or one ending in / gets
        trackNN.S.raw files; a name such as track05.1.raw writes that one track. Flux at
        24.027 MHz, an index block at each revolution boundary (a capture without index
        pulses gets one per rotation, --rpm, default 300)
  --data-rate BPS        .hfe: the data rate (250000, 250k; default: -P data_rate, an .hfe
                         input's, else read from the pulse widths)
  --revolution N         .hfe: which revolution of a multi-revolution track (default 1)
  --rpm 300|360          .scp, KryoFlux: rotation of captures without index; .hfe: the header's rpm
  --track C:H            take one track of a multi-track input (.tr); or put {cyl}, {head}
                         and {track} in the output name to write every track to its own file
  --cyl N --head N       where a single capture goes in a .tr (default 0 0)
  --cylinders N --heads N  geometry in the .tr header (default: the input's, else from the tracks)
  --channel N|NAME       data channel of a logic input (default 0)
  --leading-edge rising|falling   leading edge of a logic input (default rising)
  -P mfm:<options>       take leading_edge from the decoder options
  --edges                write a logic input to .vcd/.sr as its transitions only
  --rate HZ              sample rate of a CSV or VCD input that does not state one
  --note TEXT            note stored in a .tr header`;

type Out = NodeJS.WritableStream;

// ---------------------------------------------------------------- convert helpers

/** Draws an edge capture as a sigrok-ready logic capture: data pulses on channel 0, the index level (if any) on channel 1. */
export async function edgesToSigrokCapture(ec: EdgeCapture): Promise<LogicCapture> {
  const { edgesToLogic } = await import("../encode/flux.js");
  const e = ec.edges;
  const last = e.length ? e[e.length - 1] : 0;
  const pulse = 4;
  const sampleCount = Math.max(ec.sampleCount ?? 0, last + 2 * pulse + 1);
  const logic = edgesToLogic(ec, { sampleCount, pulseWidth: pulse, ...(ec.source !== undefined ? { source: ec.source } : {}) });
  if (!ec.index || e.length === 0) return logic;
  const s = logic.samples;
  for (let k = 0; k < e.length; k++) {
    if (!ec.index[k]) continue;
    const from = k === 0 ? 0 : e[k];
    const to = k + 1 < e.length ? e[k + 1] : sampleCount;
    for (let i = from; i < to; i++) s[i] |= 2;
  }
  return { ...logic, channels: [{ index: 0, name: "0" }, { index: 1, name: "1" }] };
}

function any1(...xs: (string | undefined)[]): boolean {
  return xs.some((x) => x !== undefined);
}

/**
 * Does the output name KryoFlux streams? `<dir>/<prefix>NN.S.raw` (the letters
 * NN.S): every track, named <prefix><cyl>.<head>.raw in <dir>; an existing
 * directory, or a name ending in / or \\: every track as trackNN.S.raw in it;
 * `<dir>/<prefix><digits>.<digit>.raw`: that one track.
 */
export async function kryofluxOutput(output: string): Promise<{ dir: string; prefix: string; one?: { cyl: number; head: number } } | undefined> {
  const { dirname, basename } = await import("node:path");
  if (/[\\/]$/.test(output)) return { dir: output.replace(/[\\/]+$/, "") || output, prefix: "track" };
  if (extensionOf(output) === "") {
    const { stat } = await import("node:fs/promises");
    const st = await stat(output).catch(() => undefined);
    return st?.isDirectory() ? { dir: output, prefix: "track" } : undefined;
  }
  const base = basename(output);
  const dir = base === output ? "" : dirname(output);
  const pattern = /^(.*?)NN\.S\.raw$/i.exec(base);
  if (pattern) return { dir, prefix: pattern[1] };
  const one = /^(.*?)(\d+)\.(\d)\.raw$/i.exec(base);
  if (one) {
    const { kryofluxFileName } = await import("../writers/kryoflux.js");
    const cyl = Number(one[2]), head = Number(one[3]);
    // the writer names cylinders in two digits at least: track5.0.raw would not be the name written
    if (kryofluxFileName(cyl, head, one[1]) === base) return { dir, prefix: one[1], one: { cyl, head } };
  }
  return undefined;
}

function expandName(pattern: string, t: { cyl: number; head: number; index: number }): string {
  return pattern.replace(/\{cyl\}/g, String(t.cyl)).replace(/\{head\}/g, String(t.head)).replace(/\{track\}/g, String(t.index));
}


// ---------------------------------------------------------------- convert

export async function convertCommand(argv: string[], out: Out = process.stdout, err: Out = process.stderr): Promise<number> {
  return runCommand(argv, err, async () => {
    const { values, positionals } = parseCommand("convert", argv, {
      track: { type: "string" },
      cyl: { type: "string" },
      head: { type: "string" },
      cylinders: { type: "string" },
      heads: { type: "string" },
      channel: { type: "string" },
      "leading-edge": { type: "string" },
      "protocol-decoder": { type: "string", short: "P" },
      edges: { type: "boolean" },
      rate: { type: "string" },
      note: { type: "string" },
      "data-rate": { type: "string" },
      revolution: { type: "string" },
      rpm: { type: "string" },
    });
    if (values.help) {
      out.write(CONVERT_USAGE + "\n");
      return 0;
    }
    if (positionals.length !== 2) {
      throw new DiskfluxError("E_USAGE", `convert takes an input and an output file (got ${positionals.length} name${positionals.length === 1 ? "" : "s"}); see 'diskflux convert --help'`);
    }
    const [input, output] = positionals;
    const kf = await kryofluxOutput(output);
    const ext = kf ? ".raw" : extensionOf(output);
    if (ext === ".raw" && !kf) {
      throw new DiskfluxError("E_USAGE", `${escapeName(output)}: a KryoFlux output is named PREFIXNN.S.raw (every track, e.g. out/trackNN.S.raw), one track's name such as track05.1.raw, or a directory`);
    }
    if (ext !== ".tr" && ext !== ".vcd" && ext !== ".sr" && ext !== ".scp" && ext !== ".hfe" && !kf) {
      throw new DiskfluxError("E_USAGE", `${escapeName(output)}: the output must end in .tr, .vcd, .sr, .scp or .hfe (it picks the format), or name KryoFlux streams (DIR/trackNN.S.raw or a directory)`);
    }
    const flux = ext === ".scp" || ext === ".hfe" || kf !== undefined;
    for (const [flag, v] of [["--data-rate", values["data-rate"]], ["--revolution", values.revolution]] as const) {
      if (v !== undefined && ext !== ".hfe") throw new DiskfluxError("E_USAGE", `${flag} is for an .hfe output`);
    }
    if (values.rpm !== undefined && !flux) throw new DiskfluxError("E_USAGE", "--rpm is for an .scp, .hfe or KryoFlux output");
    const rpm = intArg("--rpm", values.rpm, 1, 65535);
    if (rpm !== undefined && ext === ".scp" && rpm !== 300 && rpm !== 360) throw new DiskfluxError("E_USAGE", `--rpm must be 300 or 360 for an .scp (its header says one or the other), not ${rpm}`);
    if (kf?.one && any1(values.cyl, values.head)) throw new DiskfluxError("E_USAGE", `${escapeName(output)}: the name gives the cylinder and head of a KryoFlux stream; leave out --cyl and --head`);
    const revolution = intArg("--revolution", values.revolution, 1, 255);
    const dataRate = rateArg("--data-rate", values["data-rate"]);
    let track: { cyl: number; head: number } | undefined;
    if (values.track !== undefined) {
      const m = /^\s*(\d+)\s*[:/.]\s*(\d+)\s*$/.exec(values.track);
      if (!m) throw new DiskfluxError("E_USAGE", `--track takes CYL:HEAD such as 0:1, not ${quoteArg(values.track)}`);
      track = { cyl: Number(m[1]), head: Number(m[2]) };
    }
    const cyl = intArg("--cyl", values.cyl, 0, 65535) ?? kf?.one?.cyl ?? 0;
    const head = intArg("--head", values.head, 0, 255) ?? kf?.one?.head ?? 0;
    const cylinders = intArg("--cylinders", values.cylinders, 1, 65536);
    const heads = intArg("--heads", values.heads, 1, 256);
    const rate = rateArg("--rate", values.rate);
    const leadingEdge = await leadingEdgeArg(values["leading-edge"], values["protocol-decoder"]);

    const { readAnyCaptureFile, channelIndex } = await import("../readers/index.js");
    const vcd = {
      ...(rate !== undefined ? { sampleRate: rate } : {}),
      ...(values.channel !== undefined ? { dataWire: values.channel } : {}),
      leadingEdge,
    };
    const any = await readAnyCaptureFile(input, {
      ...(rate !== undefined ? { csv: { sampleRate: rate } } : {}),
      vcd: ext === ".tr" ? { ...vcd, as: "edges" as const } : vcd,
    });
    if (any.kind === "tracks") for (const w of any.tr?.warnings ?? []) err.write(`diskflux: warning: ${oneLine(w)}\n`);
    // Track captures are unpacked one at a time (getters), never all at once.
    let items: readonly { readonly cyl: number; readonly head: number; readonly capture: Capture }[];
    if (any.kind === "tracks") {
      items = any.tracks;
      if (track) {
        items = items.filter((t) => t.cyl === track!.cyl && t.head === track!.head);
        if (items.length === 0) {
          throw new DiskfluxError("E_ARGUMENT", `${escapeName(input)}: no track cyl ${track.cyl} head ${track.head}; it holds ${any.tracks.map((t) => `${t.cyl}:${t.head}`).join(" ")}`);
        }
      }
    } else {
      if (track) throw new DiskfluxError("E_USAGE", `${escapeName(input)} holds a single capture; --track is for multi-track inputs (.tr)`);
      items = [{ cyl, head, capture: any.capture }];
    }
    const channelOf = (c: Capture) => (c.kind === "logic" && values.channel !== undefined ? channelIndex(c, values.channel) : 0);
    const edgeChannels = (c: Capture) => ({ data: channelOf(c), leadingEdge });

    if (ext === ".tr") {
      const { trGeometry, writeTrStream } = await import("../writers/tr.js");
      const seen = new Set<number>();
      const tracks = items.map((t) => ({
        cyl: t.cyl,
        head: t.head,
        get capture(): Capture {
          const c = t.capture;
          seen.add(c.sampleRate);
          return c.kind === "logic" ? logicToEdges(c, edgeChannels(c)) : c;
        },
      }));
      const geometry = {
        ...(cylinders !== undefined ? { cylinders } : any.kind === "tracks" && any.cylinders !== undefined ? { cylinders: Math.max(any.cylinders, ...tracks.map((t) => t.cyl + 1)) } : {}),
        ...(heads !== undefined ? { heads } : any.kind === "tracks" && any.heads !== undefined ? { heads: Math.max(any.heads, ...tracks.map((t) => t.head + 1)) } : {}),
      };
      // The command-line field holds mfm_read options that mfm_util parses when it
      // reads the file: keep a .tr input's (its decode options) when the geometry
      // stays the same, unless an older diskflux put its own command line there;
      // otherwise the writer's default, the geometry in mfm_read's syntax.
      const inTr = any.kind === "tracks" && any.format === "tr" ? any : undefined;
      const inCmd = inTr?.commandLine;
      const keepCmd =
        inTr !== undefined && inCmd !== undefined && !/^\s*diskflux\b/.test(inCmd) &&
        (geometry.cylinders ?? inTr.cylinders) === inTr.cylinders && (geometry.heads ?? inTr.heads) === inTr.heads;
      const trOptions = {
        ...geometry,
        ...(keepCmd ? { commandLine: inCmd } : {}),
        note: values.note ?? (any.kind === "tracks" && any.note ? any.note : `converted from ${baseName(input)}`),
      };
      // written track by track (a whole drive's output is never held: 8 192 tracks peaked at 1.5 GiB)
      const length = await writeFilePieces(output, (put) => writeTrStream(tracks, put, { ...trOptions, ...trGeometry(tracks, trOptions) }));
      const rates = [...seen].map((r) => `${r / 1e6} MHz`).join(", ");
      out.write(`${escapeName(output)}: ${items.length} track${items.length === 1 ? "" : "s"} of 200 MHz transitions (from ${rates}), ${length} bytes\n`);
      return 0;
    }

    if (flux) {
      // flux readers' tracks carry their revolutions; captures are unpacked one at a time
      type Revs = import("../readers/flux.js").Revolution[];
      const fluxTracks = items.map((t) => {
        const revolutions = (t as { revolutions?: Revs }).revolutions;
        return {
          cyl: t.cyl,
          head: t.head,
          ...(revolutions ? { revolutions } : {}),
          get capture(): Capture {
            return t.capture;
          },
        };
      });
      const channelsFor = (c: Capture) => ({ data: channelOf(c), leadingEdge });
      const first = items[0]?.capture;
      const channels = first ? channelsFor(first) : { leadingEdge };
      if (kf) {
        if (kf.one && (items.length !== 1 || items[0].cyl !== kf.one.cyl || items[0].head !== kf.one.head)) {
          const held = items.map((t) => `${t.cyl}:${t.head}`).join(" ");
          throw new DiskfluxError("E_USAGE", `${escapeName(output)} names the stream of cyl ${kf.one.cyl} head ${kf.one.head} but ${escapeName(input)} gives ${held}; pick that track with --track ${kf.one.cyl}:${kf.one.head}, or name the output PREFIXNN.S.raw to write every track`);
        }
        const { writeKryofluxDetailed } = await import("../writers/kryoflux.js");
        const r = writeKryofluxDetailed(fluxTracks, { channels, prefix: kf.prefix, ...(rpm !== undefined ? { rpm } : {}) });
        for (const w of r.warnings) err.write(`diskflux: warning: ${oneLine(w)}\n`);
        const { mkdir } = await import("node:fs/promises");
        if (kf.dir !== "") await mkdir(kf.dir, { recursive: true }).catch(() => undefined); // writeFileBytes says why it cannot write
        const { join } = await import("node:path");
        let total = 0;
        for (const f of r.files) {
          await writeFileBytes(kf.dir === "" ? f.name : join(kf.dir, f.name), f.bytes);
          total += f.bytes.length;
        }
        const revs = Math.max(...r.tracks.map((t) => t.revolutions));
        const how = r.tracks.every((t) => t.from === "none") ? `no index pulses: an index every ${(60 / (rpm ?? 300) * 1000).toFixed(1)} ms` : r.tracks.every((t) => t.indexCued) ? "index-cued" : "not index-cued";
        const where = kf.dir === "" ? "" : `${escapeName(kf.dir)}: `;
        const names = r.files.length === 1 ? escapeName(r.files[0].name) : `${escapeName(r.files[0].name)} … ${escapeName(r.files[r.files.length - 1].name)}`;
        const rates = [...new Set(r.tracks.map((t) => t.sampleRate))].map((x) => `${x / 1e6} MHz`).join(", ");
        out.write(`${where}${r.files.length} KryoFlux stream${r.files.length === 1 ? "" : "s"} (${names}), up to ${revs} revolution${revs === 1 ? "" : "s"} each, ${how}, sck ${(r.sck / 1e6).toFixed(6)} MHz (from ${rates}), ${total} bytes\n`);
        return 0;
      }
      if (ext === ".scp") {
        const { writeScpDetailed } = await import("../writers/scp.js");
        const r = writeScpDetailed(fluxTracks, { channels, ...(rpm !== undefined ? { rpm: rpm as 300 | 360 } : {}) });
        for (const w of r.warnings) err.write(`diskflux: warning: ${oneLine(w)}\n`);
        await writeFileBytes(output, r.bytes);
        const rates = [...new Set(r.tracks.map((t) => t.sampleRate))].map((x) => `${x / 1e6} MHz`).join(", ");
        const how = r.tracks.every((t) => t.from === "none")
          ? `not index-cued: no index pulses, revolutions of ${rpm === 360 ? "166.7" : "200"} ms`
          : r.flags & 1 ? "index-cued" : "not index-cued";
        out.write(`${escapeName(output)}: ${r.tracks.length} track${r.tracks.length === 1 ? "" : "s"}, up to ${r.revolutionsPerTrack} revolution${r.revolutionsPerTrack === 1 ? "" : "s"} each, ${how}, 25 ns ticks (from ${rates}), ${r.bytes.length} bytes\n`);
        return 0;
      }
      // .hfe: the data rate and encoding
      const { parseOptionString } = await import("../options.js");
      const given = values["protocol-decoder"] !== undefined ? parseOptionString(values["protocol-decoder"].replace(/^mfm:?/, "")) : {};
      let rate = dataRate ?? (given.data_rate !== undefined ? Number(given.data_rate) : undefined);
      let encoding: "FM" | "MFM" | number | undefined = given.format === "FM" || given.format === "MFM" ? given.format : undefined;
      if (any.kind === "tracks" && any.hfe) {
        rate ??= any.hfe.bitRate * 1000;
        encoding ??= any.hfe.encoding;
      }
      if (rate === undefined || encoding === undefined) {
        const { pulseHistogram } = await import("../detect/histogram.js");
        const c = first ? (first.kind === "logic" ? logicToEdges(first, edgeChannels(first)) : first) : undefined;
        const best = c ? pulseHistogram(c.edges, c.sampleRate).guesses.find((g) => g.family !== "RLL" && (rate === undefined || g.dataRate === rate)) : undefined;
        if (rate === undefined) {
          if (!best || best.score < 0.5) throw new DiskfluxError("E_ARGUMENT", `${escapeName(input)}: the pulse widths fit no FM or MFM data rate; give one with --data-rate`);
          rate = best.dataRate;
          err.write(`diskflux: ${best.family} at ${rate} bit/s from the pulse widths (--data-rate to set it)\n`);
        }
        if (encoding === undefined && best && best.score >= 0.5) encoding = best.family as "FM" | "MFM";
      }
      const { writeHfeDetailed } = await import("../writers/hfe.js");
      const r = writeHfeDetailed(fluxTracks, {
        dataRate: rate, channels,
        ...(encoding !== undefined ? { encoding } : {}),
        ...(rpm !== undefined ? { rpm } : any.kind === "tracks" && any.hfe && any.hfe.rpm > 0 ? { rpm: any.hfe.rpm } : {}),
        ...(revolution !== undefined ? { revolution: revolution - 1 } : {}),
      });
      for (const w of r.warnings) err.write(`diskflux: warning: ${oneLine(w)}\n`);
      await writeFileBytes(output, r.bytes);
      const whole = r.tracks.filter((t) => t.from === "none").length;
      out.write(
        `${escapeName(output)}: ${r.tracks.length} track${r.tracks.length === 1 ? "" : "s"} of bit cells at ${rate / 1000} kbit/s` +
          (whole ? `, ${whole} without index written whole` : `, revolution ${(revolution ?? 1)} of each`) + `, ${r.bytes.length} bytes\n`,
      );
      return 0;
    }

    const placeholders = /\{(?:cyl|head|track)\}/.test(output);
    if (items.length > 1 && !placeholders) {
      throw new DiskfluxError("E_USAGE", `${escapeName(input)} holds ${items.length} tracks; pick one with --track CYL:HEAD or put {cyl} and {head} in the output name`);
    }
    const { writeVcd } = await import("../writers/vcd.js");
    const { writeSigrok } = await import("../writers/sigrok.js");
    for (const [index, t] of items.entries()) {
      const name = expandName(output, { ...t, index });
      let c = t.capture;
      if (values.edges && c.kind === "logic") c = logicToEdges(c, edgeChannels(c));
      let bytes: Uint8Array;
      if (ext === ".vcd") {
        bytes = writeVcd(c, any.kind === "tracks" ? { comment: `Track ${index}: Cylinder ${t.cyl}, Head ${t.head}` } : {});
      } else {
        const logic = c.kind === "logic" ? c : await edgesToSigrokCapture(c);
        if (!Number.isInteger(logic.sampleRate)) throw new DiskfluxError("E_ARGUMENT", `${escapeName(input)}: sample rate ${logic.sampleRate} Hz is not a whole number, which a .sr cannot store`);
        bytes = writeSigrok(logic);
      }
      await writeFileBytes(name, bytes);
      out.write(`${escapeName(name)}: ${c.kind === "edges" ? `${c.edges.length} transitions` : `${c.sampleCount} samples, ${c.channels.length} channel${c.channels.length === 1 ? "" : "s"}`} at ${c.sampleRate / 1e6} MHz${any.kind === "tracks" ? ` (cyl ${t.cyl} head ${t.head})` : ""}\n`);
    }
    return 0;
  });
}
