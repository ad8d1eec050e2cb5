// `diskflux image`: decode captures (or every track of .tr files) and assemble
// a flat disk image with a sector map (src/image/assemble.ts, src/image/map.ts).
//
//   diskflux image disk.tr -P mfm:header_format=3:data_crc_poly=0x140a0445 -o disk.img --map disk.map
//   diskflux image t0.sr t1.sr t1-again.sr -P mfm: -o disk.img --json

import { DiskfluxError } from "../errors.js";
import { escapeName, oneLine, quoteArg } from "../escape.js";
import { baseName, extensionOf, intArg, parseCommand, rateArg, runCommand, writeFileBytes, cannotWrite } from "./run.js";

export const IMAGE_USAGE = `usage: diskflux image <capture|file.tr>... [-P mfm:<options>] -o <disk.img|disk.imd> [--map <map.txt>] [--json]
  without -P (or with -P mfm:auto) the options are detected once over the first captures
  captures: .sr, .dsl, .tr (every track), .vcd, .csv; a sector read more than once (revolutions,
  several captures) keeps its best copy: good, corrected, recovered, voted; conflict when good copies differ
  -o FILE                the image, by extension: .imd an ImageDisk file (per-track mode, sector
                         order, deleted and bad sectors kept); any other a flat image: sectors in
                         (cylinder, head, sector) order
  --geometry NAME        a standard floppy: pc160 pc180 pc320 pc360 pc720 pc1200 pc1440 pc2880
                         ibm8sssd (the values below override it); without it a geometry equal to
                         one of them is named, and one short of its cylinders is completed
  --comment TEXT         the comment of an .imd (default: what made it)
  --map FILE             write the sector map there (default: print it)
  --json                 the sector map as JSON
  --cylinders N --heads N --sectors N --size N --first-sector N
                         geometry (default: inferred from the sector headers)
  --first-cylinder N     the image starts at this cylinder (default 0)
  --by-track             place sectors by the .tr track's cylinder/head instead of the header's
  --fill TEXT            fill of missing sectors (default "DISKFLUX MISSING SECTOR ")
  --no-recover           no ECC, no retries with other data separators, no vote over bad copies:
                         each sector good, conflict, bad or missing as read
  --channel N|NAME       data channel of logic captures (default 0)
  --rate HZ              sample rate of CSV/VCD captures that do not state one
  --force                read a flux file whose checksum is wrong (a warning instead of an error)
  --jobs N               decode N tracks at once: this thread and N - 1 workers (default: the
                         available cores, at most 4 a core; 1: no worker); the same image and map as --jobs 1
  --backend wasm|js|auto`;

type Out = NodeJS.WritableStream;

export async function imageCommand(argv: string[], out: Out = process.stdout, err: Out = process.stderr): Promise<number> {
  return runCommand(argv, err, async () => {
    const { values, positionals } = parseCommand("image", argv, {
      "protocol-decoder": { type: "string", short: "P" },
      output: { type: "string", short: "o" },
      map: { type: "string" },
      json: { type: "boolean" },
      cylinders: { type: "string" },
      heads: { type: "string" },
      sectors: { type: "string" },
      size: { type: "string" },
      "first-sector": { type: "string" },
      "first-cylinder": { type: "string" },
      "by-track": { type: "boolean" },
      fill: { type: "string" },
      channel: { type: "string" },
      rate: { type: "string" },
      backend: { type: "string" },
      jobs: { type: "string", short: "j" },
      force: { type: "boolean" },
      geometry: { type: "string" },
      comment: { type: "string" },
      "no-recover": { type: "boolean" },
    });
    if (values.help) {
      out.write(IMAGE_USAGE + "\n");
      return 0;
    }
    let pd = values["protocol-decoder"];
    if (pd !== undefined && pd !== "mfm" && !pd.startsWith("mfm:")) throw new DiskfluxError("E_USAGE", `protocol decoder ${quoteArg(pd.split(":")[0])} not found; diskflux provides 'mfm' (-P mfm:<options>)`);
    const { isAuto, detectForFiles } = await import("./auto.js");
    const auto = await isAuto(pd);
    if (!auto) {
      const { resolveOptions } = await import("../options.js");
      resolveOptions(pd!);
    }
    if (values.output === undefined) throw new DiskfluxError("E_USAGE", "image needs an output file: -o disk.img");
    if (positionals.length === 0) throw new DiskfluxError("E_USAGE", "image needs at least one capture or .tr file");
    const backend = (values.backend ?? "auto") as "wasm" | "js" | "auto";
    if (!["wasm", "js", "auto"].includes(backend)) throw new DiskfluxError("E_USAGE", `--backend must be wasm, js or auto, not ${quoteArg(backend)}`);
    if (values.fill === "") throw new DiskfluxError("E_USAGE", "--fill needs some text");
    const geometry = {
      cylinders: intArg("--cylinders", values.cylinders, 1, 65536),
      heads: intArg("--heads", values.heads, 1, 256),
      sectorsPerTrack: intArg("--sectors", values.sectors, 1, 256),
      sectorSize: intArg("--size", values.size, 1, 65536),
      firstSector: intArg("--first-sector", values["first-sector"], 0, 255),
      firstCylinder: intArg("--first-cylinder", values["first-cylinder"], 0, 65535),
    };
    const rate = rateArg("--rate", values.rate);
    const asImd = extensionOf(values.output) === ".imd";
    if (values.geometry !== undefined) {
      const { geometryByName } = await import("../image/geometries.js");
      geometryByName(values.geometry);
    }
    if (values.comment !== undefined && !asImd) throw new DiskfluxError("E_USAGE", "--comment is for an .imd output");
    if (auto) {
      const found = await detectForFiles(positionals, pd, backend, err, { ...(rate !== undefined ? { rate } : {}), ...(values.force ? { force: true } : {}) });
      pd = found.optionString;
    }
    if (asImd) {
      // an IMD track needs a mode: FM or MFM at one of ImageDisk's rates (checked before decoding)
      const { resolveOptions } = await import("../options.js");
      const { imdMode } = await import("../writers/imd.js");
      const o = resolveOptions(pd!);
      imdMode(o.preset.limits, o.dataRate);
    }

    const { ImageReads } = await import("../image/assemble.js");
    const { sectorMapText, sectorMapJson, countsText } = await import("../image/map.js");
    // recovery by default (ECC, other separators: src/recover/recover.ts), with the CRC inputs a vote needs
    const recover = values["no-recover"] ? {} : { recover: true, keepCrcInputs: true };
    const imageOptions = {
      ...Object.fromEntries(Object.entries(geometry).filter(([, v]) => v !== undefined)),
      ...(values["by-track"] ? { placeBy: "track" as const } : {}),
      ...(values.fill !== undefined ? { fill: values.fill } : {}),
      ...(values.geometry !== undefined ? { geometry: values.geometry } : {}),
      ...(values["no-recover"] ? { recover: false } : {}),
    };
    // --jobs N: tracks decoded by a pool of workers (./jobs.ts), .tr files streamed track by track;
    // results come back lean (no fields or binary streams, crcInput only where a vote may need it), in
    // input order, and each becomes its sector reads at once, its sectors written where the image will
    // have them (laid out by the .tr header's cylinders and heads): no decode result is held.
    // -o a flat image in a regular file (or a new one): the sectors go to the file as tracks come (a
    // temporary file beside it, renamed at the end: no image from part of the input), and per sector
    // only a few typed-array entries stay (src/image/slots.ts); else (.imd, a device, a file that
    // cannot be made) the image is built in memory and written at the end.
    const file = asImd ? undefined : await openImageFile(values.output);
    let done = false;
    try {
      let collected: import("../image/assemble.js").ImageReads | import("../image/slots.js").ImageFileReads | undefined;
      const { ImageFileReads } = await import("../image/slots.js");
      const newReads = (drive?: { cylinders: number; heads: number }) => (file ? new ImageFileReads(imageOptions, drive, file.sink) : new ImageReads(imageOptions, drive));
      const { fileJobs, jobsArg, JobCount, runImageJobs } = await import("./jobs.js");
      const read = { ...(rate !== undefined ? { csv: { sampleRate: rate }, vcd: { sampleRate: rate } } : {}), ...(values.force ? { force: true } : {}) };
      // (the tracks to come, grown as a .tr's header or a flux file is read: a small drive decodes without workers)
      const expected = new JobCount(positionals.length);
      const status = await runImageJobs(fileJobs(positionals, {
        options: pd!, read, err, count: expected, trackName: (f, c, h) => `${baseName(f)} cyl ${c} head ${h}`, singleName: baseName,
        ...(values.channel !== undefined ? { channel: values.channel } : {}),
      }), { jobs: jobsArg(values.jobs, err), request: { backend, ...recover }, placeBy: values["by-track"] ? "track" : "header", expected, err }, (job, track) => {
        // (the drive's size from the first .tr: one file of a whole drive is the case that needs it)
        collected ??= newReads(positionals.length === 1 ? job.drive : undefined);
        // a worker's track comes as its sector reads, made there (src/image/reads-pack.ts); this thread's, as its result
        if ("reads" in track) collected.addPacked(track.reads, job.source);
        else collected.add({ result: track.result, source: job.source, ...(job.cyl !== undefined ? { cyl: job.cyl, head: job.head } : {}) });
      });
      if (status !== 0) return status; // (each failure said why on stderr; no image from part of the input)
      collected ??= newReads();
      const tracks = collected.tracks;
      let img: import("../image/map.js").MappedImage;
      let written: string;
      if (collected instanceof ImageFileReads) {
        const built = collected.assemble();
        img = built;
        for (const w of img.floppy?.warnings ?? []) err.write(`diskflux: warning: ${oneLine(w)}\n`);
        file!.finish(built.imageBytes, values.output);
        done = true;
        written = `${built.imageBytes} bytes`;
      } else {
        const built = collected.assemble();
        img = built;
        for (const w of img.floppy?.warnings ?? []) err.write(`diskflux: warning: ${oneLine(w)}\n`);
        written = `${built.image.length} bytes`;
        if (asImd) {
          const { resolveOptions } = await import("../options.js");
          const { imdFromImage, writeImd } = await import("../writers/imd.js");
          const o = resolveOptions(pd!);
          const comment = values.comment ?? `diskflux image of ${positionals.map(baseName).join(" ")}\n-P mfm:${pd!.replace(/^mfm:?/, "")}\n`;
          const imd = writeImd(imdFromImage(built, { encoding: o.preset.limits, dataRate: o.dataRate }), { comment });
          await writeFileBytes(values.output, imd);
          written = `ImageDisk, ${imd.length} bytes`;
        } else {
          await writeFileBytes(values.output, built.image);
        }
      }
      const mapText = values.json ? JSON.stringify(sectorMapJson(img), null, 2) + "\n" : sectorMapText(img);
      if (values.map !== undefined) await writeFileBytes(values.map, mapText);
      const g = img.geometry;
      const n = img.counts;
      const summary =
        `${escapeName(values.output)}: ${g.cylinders} x ${g.heads} x ${g.sectorsPerTrack} sectors of ${g.sectorSize} bytes (${written}) ` +
        `from ${tracks} track${tracks === 1 ? "" : "s"}: ${countsText(n)}\n`;
      if (values.map !== undefined) out.write(summary);
      else if (values.json) out.write(mapText);
      else out.write(summary + mapText);
      return 0;
    } finally {
      if (file && !done) file.abandon();
    }
  });
}

/** Positioned writes to a file, contiguous ones gathered (up to 256 KiB) into one write. */
class FileSink {
  private readonly buf = new Uint8Array(1 << 18);
  private start = 0;
  private used = 0;
  constructor(
    private readonly fs: typeof import("node:fs"),
    readonly fd: number,
  ) {}
  write(offset: number, bytes: Uint8Array): void {
    if (this.used > 0 && (offset !== this.start + this.used || this.used + bytes.length > this.buf.length)) this.flush();
    if (bytes.length > this.buf.length) {
      this.writeAll(offset, bytes);
      return;
    }
    if (this.used === 0) this.start = offset;
    this.buf.set(bytes, this.used);
    this.used += bytes.length;
  }
  read(offset: number, into: Uint8Array): void {
    this.flush();
    let n = 0;
    while (n < into.length) {
      const got = this.fs.readSync(this.fd, into, n, into.length - n, offset + n);
      if (got === 0) break;
      n += got;
    }
    into.fill(0, n); // (past the end: never written, a hole)
  }
  flush(): void {
    if (this.used === 0) return;
    const used = this.used;
    this.used = 0;
    this.writeAll(this.start, this.buf.subarray(0, used));
  }
  private writeAll(offset: number, bytes: Uint8Array): void {
    let n = 0;
    while (n < bytes.length) n += this.fs.writeSync(this.fd, bytes, n, bytes.length - n, offset + n);
  }
}

/**
 * A temporary file beside `output` for the image, when `output` is a regular file or does not exist
 * (undefined otherwise, or when it cannot be made: the image is then written at the end as before).
 */
async function openImageFile(output: string): Promise<{ sink: FileSink; finish: (bytes: number, output: string) => void; abandon: () => void } | undefined> {
  const fs = await import("node:fs");
  const path = await import("node:path");
  try {
    const st = fs.statSync(output, { throwIfNoEntry: false });
    if (st !== undefined && !st.isFile()) return undefined;
    if (st === undefined && fs.lstatSync(output, { throwIfNoEntry: false }) !== undefined) return undefined; // (a dangling link)
    // an existing file: replaced where it is (through a symbolic link), with its mode; one we could not
    // write to is left to the write at the end (and its error, as before)
    if (st !== undefined) fs.accessSync(output, fs.constants.W_OK);
    const target = st !== undefined ? fs.realpathSync(output) : output;
    const temp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.diskflux-tmp`);
    const fd = fs.openSync(temp, "w+");
    if (st !== undefined) {
      try {
        fs.fchmodSync(fd, st.mode & 0o7777);
      } catch {
        // (a file system without modes)
      }
    }
    const sink = new FileSink(fs, fd);
    let open = true;
    const close = () => {
      if (open) fs.closeSync(fd);
      open = false;
    };
    return {
      sink,
      finish(bytes, out) {
        try {
          sink.flush();
          fs.ftruncateSync(fd, bytes);
          close();
          fs.renameSync(temp, target);
        } catch (e) {
          throw cannotWrite(out, e);
        }
      },
      abandon() {
        try {
          close();
        } catch {
          // (closing a file we wrote: nothing to tell)
        }
        try {
          fs.unlinkSync(temp);
        } catch {
          // (gone already)
        }
      },
    };
  } catch {
    return undefined;
  }
}
