// A small ZIP reader, enough for sigrok .sr and DSView .dsl sessions.
//
// A ZIP file is a series of members, each a local header followed by its data,
// and at the end a central directory (one record per member) closed by the
// end-of-central-directory record (EOCD):
//
//   [local header 1][data 1] ... [local header n][data n] [central directory] [EOCD]
//
// The central directory is the authority: names, methods, sizes, CRCs and the
// offset of each local header come from it. Local headers are read only to skip
// their name and extra fields, because a writer that streams (flag bit 3) puts
// zeros there and the real sizes in a data descriptor after the data. ZIP64
// records are understood so that a large member is refused with E_LIMIT rather
// than misread. Methods: 0 (stored) and 8 (deflate). No encryption, no
// multi-disk archives.
//
// Inflating is async: Node's zlib when running in Node (fastest), otherwise
// DecompressionStream("deflate-raw") when the platform has it, otherwise fflate.

import { DiskfluxError } from "../errors.js";
import { escapeName, quoteInput } from "../escape.js";
import { crc32Js, crc32Update } from "../kernels/crc32.js";

/** One member as the central directory describes it. */
export interface ZipMember {
  readonly name: string;
  /** 0 = stored, 8 = deflate; anything else is refused at extraction. */
  readonly method: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  /** CRC-32 of the uncompressed data, as declared. */
  readonly crc32: number;
  /** General-purpose flags (bit 0 encrypted, bit 3 data descriptor, bit 11 UTF-8). */
  readonly flags: number;
  /** Offset of the member's local header in the file. */
  readonly offset: number;
}

/** Which inflater to use; "auto" picks zlib in Node, else DecompressionStream, else fflate. */
export type ZipInflater = "auto" | "zlib" | "stream" | "fflate";

export interface ZipExtractOptions {
  inflater?: ZipInflater;
  /** Check the CRC-32 of what was extracted (default true). */
  verifyCrc?: boolean;
}

/** Members larger than this are refused (E_LIMIT). */
export const ZIP_MAX_MEMBER_BYTES = 2 ** 32;
/** Text members (metadata, header) larger than this are refused by extractText (E_LIMIT). */
export const ZIP_MAX_TEXT_BYTES = 1 << 20;

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const EOCD_SIZE = 22;
const CENTRAL_SIZE = 46;
const LOCAL_SIZE = 30;
const MAX_COMMENT = 0xffff;

const AGAIN = "re-copy or re-export the capture";

/** True when the bytes start like a ZIP file (a local header or an empty archive). */
export function looksLikeZip(bytes: Uint8Array): boolean {
  if (bytes.length < 4) return false;
  const sig = u32(bytes, 0);
  return sig === SIG_LOCAL || sig === SIG_EOCD;
}

/** A parsed ZIP directory over the file's bytes. */
export class ZipArchive {
  readonly bytes: Uint8Array;
  /** File name for messages. */
  readonly source: string;
  readonly members: readonly ZipMember[];
  private readonly byName: Map<string, ZipMember>;

  private constructor(bytes: Uint8Array, source: string, members: ZipMember[]) {
    this.bytes = bytes;
    this.source = source;
    this.members = members;
    this.byName = new Map();
    // The first of duplicate names wins, as most unzip tools do.
    for (const m of members) if (!this.byName.has(m.name)) this.byName.set(m.name, m);
  }

  /**
   * Parses the central directory. Throws E_FORMAT when the bytes are not a ZIP
   * file, E_CORRUPT when they are one that is truncated or inconsistent.
   */
  static open(bytes: Uint8Array, source = "capture"): ZipArchive {
    return new ZipArchive(bytes, source, readCentralDirectory(bytes, source));
  }

  find(name: string): ZipMember | undefined {
    return this.byName.get(name);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /**
   * Checks what a member declares against the file before anything is
   * allocated from it: its compressed bytes lie inside the file, a stored
   * member's two sizes agree, a deflated one declares no more than deflate can
   * produce from its real compressed bytes (about 1032:1), and it is neither
   * encrypted nor compressed by a method diskflux lacks. Throws E_LIMIT,
   * E_CORRUPT or E_FORMAT; extract, extractInto and extractChunks all do it.
   */
  check(member: string | ZipMember): void {
    checkMember(this.bytes, this.source, this.resolve(member));
  }

  /**
   * Extracts a member (by name or record) into a new array. With Node's zlib
   * the inflater's own output is returned (no second array of the member's
   * size to fill and copy into: a 200 MS/s track is 3.3 MB).
   */
  async extract(member: string | ZipMember, options?: ZipExtractOptions): Promise<Uint8Array> {
    const m = this.resolve(member);
    const data = checkMember(this.bytes, this.source, m);
    const which = options?.inflater ?? "auto";
    const zlib = m.method !== 0 && m.uncompressedSize > 0 && (which === "auto" || which === "zlib") ? await loadZlib() : null;
    if (zlib) {
      const size = m.uncompressedSize;
      let out: Uint8Array | undefined;
      try {
        out = inflateOwnedWithZlib(zlib, data, size);
      } catch (e) {
        throw notInflating(this.source, m.name, e);
      }
      await this.checkExtracted(m, out?.length ?? size + 1, out ?? new Uint8Array(0), options);
      return out!;
    }
    const out = allocate(this.source, m.uncompressedSize);
    await this.extractInto(m, out, 0, options);
    return out;
  }

  /**
   * Extracts a member as text (UTF-8). Text members (metadata, headers) are
   * small: one declaring more than `maxBytes` (default 1 MiB) is refused
   * (E_LIMIT) before it is inflated.
   */
  async extractText(member: string | ZipMember, options?: ZipExtractOptions & { maxBytes?: number }): Promise<string> {
    const m = this.resolve(member);
    const max = options?.maxBytes ?? ZIP_MAX_TEXT_BYTES;
    if (m.uncompressedSize > max) {
      throw new DiskfluxError("E_LIMIT", `${escapeName(this.source)}: member ${quoteInput(m.name)} declares ${m.uncompressedSize} bytes of text, more than the ${max} diskflux reads; the file is damaged or not a capture`);
    }
    return new TextDecoder("utf-8").decode(await this.extract(m, options));
  }

  /**
   * Extracts a member into target[offset, offset + uncompressedSize). The target
   * must have room; bytes outside that range are left as they were.
   */
  async extractInto(member: string | ZipMember, target: Uint8Array, offset: number, options?: ZipExtractOptions): Promise<void> {
    const m = this.resolve(member);
    const src = this.source;
    const data = checkMember(this.bytes, src, m);
    const size = m.uncompressedSize;
    if (!Number.isInteger(offset) || offset < 0 || offset + size > target.length) {
      throw new DiskfluxError("E_ARGUMENT", `${escapeName(src)}: no room to extract member ${quoteInput(m.name)} (${size} bytes at offset ${offset} of ${target.length})`);
    }
    let got = size;
    if (m.method === 0) target.set(data, offset);
    else got = await inflate(data, target, offset, size, options?.inflater ?? "auto", src, m.name);
    await this.checkExtracted(m, got, target.subarray(offset, offset + size), options);
  }

  /** The checks after inflating: the length the member declares, and (unless options say not to) its CRC-32. */
  private async checkExtracted(m: ZipMember, got: number, bytes: Uint8Array, options?: ZipExtractOptions): Promise<void> {
    const src = this.source, size = m.uncompressedSize;
    if (got !== size) {
      const what = got > size ? `more than ${size}` : `${got}`;
      throw new DiskfluxError("E_CORRUPT", `${escapeName(src)}: member ${quoteInput(m.name)} inflates to ${what} bytes but declares ${size}; the file is damaged, ${AGAIN}`);
    }
    if (options?.verifyCrc ?? true) {
      const crc = await crc32(bytes);
      if (crc !== m.crc32) {
        throw new DiskfluxError(
          "E_CORRUPT",
          `${escapeName(src)}: member ${quoteInput(m.name)} fails its CRC-32 check (${hex8(crc)}, expected ${hex8(m.crc32)}); the file is damaged, ${AGAIN}`,
        );
      }
    }
  }

  /**
   * Streams a member's bytes in pieces (about `chunkBytes` each) without
   * materialising it: memory stays bounded whatever the member inflates to.
   * Checks the declared size and the CRC-32 at the end, like extractInto.
   */
  async *extractChunks(member: string | ZipMember, chunkBytes = 1 << 20, options?: Pick<ZipExtractOptions, "inflater">): AsyncGenerator<Uint8Array> {
    const m = this.resolve(member);
    const src = this.source;
    const data = checkMember(this.bytes, src, m);
    const step = Math.max(1, Math.floor(chunkBytes));
    const which = options?.inflater ?? "auto";
    const zlib = which === "auto" || which === "zlib" ? await loadZlib() : null;
    if (which === "zlib" && !zlib) throw new DiskfluxError("E_ARGUMENT", `${escapeName(src)}: the zlib inflater needs Node.js; use inflater "auto"`);
    let produced = 0;
    // Node: zlib checks the CRC-32 itself as it inflates on its thread pool (the member wrapped as gzip), off this thread
    const zlibChecks = zlib !== null && m.method !== 0;
    let crc = zlib?.crc32 ? 0 : 0xffffffff;
    const account = (piece: Uint8Array): void => {
      produced += piece.length;
      if (produced > m.uncompressedSize) {
        throw new DiskfluxError("E_CORRUPT", `${escapeName(src)}: member ${quoteInput(m.name)} inflates to more than the ${m.uncompressedSize} bytes it declares; the file is damaged, ${AGAIN}`);
      }
      if (!zlibChecks) crc = zlib?.crc32 ? zlib.crc32(piece, crc) : crc32Update(crc, piece);
    };
    const outputs = m.method === 0 ? storedPieces(data, step) : zlib ? inflatePiecesZlib(zlib, data, step, m) : inflatePiecesFflate(data, step);
    try {
      for (;;) {
        let next: IteratorResult<Uint8Array>;
        try {
          next = await outputs.next();
        } catch (e) {
          const why = e instanceof Error ? e.message : String(e);
          if (zlibChecks && /incorrect (data|length) check/.test(why)) {
            // the gzip trailer's check: say what the CRC-32 / size checks below would have said
            if (produced !== m.uncompressedSize) {
              throw new DiskfluxError("E_CORRUPT", `${escapeName(src)}: member ${quoteInput(m.name)} inflates to ${produced} bytes but declares ${m.uncompressedSize}; the file is damaged, ${AGAIN}`, { cause: e });
            }
            throw new DiskfluxError("E_CORRUPT", `${escapeName(src)}: member ${quoteInput(m.name)} fails its CRC-32 check; the file is damaged, ${AGAIN}`, { cause: e });
          }
          throw new DiskfluxError("E_CORRUPT", `${escapeName(src)}: member ${quoteInput(m.name)} does not inflate (${why}); the file is damaged, ${AGAIN}`, { cause: e });
        }
        if (next.done) break;
        const out = next.value;
        for (let o = 0; o < out.length; o += step) {
          const piece = out.subarray(o, Math.min(out.length, o + step));
          account(piece);
          yield piece;
        }
      }
    } finally {
      await outputs.return(undefined); // an error or a reader that stops early: release the inflater
    }
    if (produced !== m.uncompressedSize) {
      throw new DiskfluxError("E_CORRUPT", `${escapeName(src)}: member ${quoteInput(m.name)} inflates to ${produced} bytes but declares ${m.uncompressedSize}; the file is damaged, ${AGAIN}`);
    }
    const final = zlibChecks ? m.crc32 : zlib?.crc32 ? crc >>> 0 : (crc ^ 0xffffffff) >>> 0;
    if (final !== m.crc32) {
      throw new DiskfluxError("E_CORRUPT", `${escapeName(src)}: member ${quoteInput(m.name)} fails its CRC-32 check; the file is damaged, ${AGAIN}`);
    }
  }

  private resolve(member: string | ZipMember): ZipMember {
    if (typeof member !== "string") return member;
    const m = this.find(member);
    if (!m) throw new DiskfluxError("E_CORRUPT", `${escapeName(this.source)}: no member ${quoteInput(member)} in the archive; ${AGAIN}`);
    return m;
  }
}

// ---------------------------------------------------------------- directory

function readCentralDirectory(bytes: Uint8Array, src: string): ZipMember[] {
  const eocd = findEocd(bytes);
  if (eocd < 0) {
    if (looksLikeZip(bytes)) {
      throw new DiskfluxError("E_CORRUPT", `${escapeName(src)}: ZIP archive is truncated (no end-of-central-directory record); ${AGAIN}`);
    }
    throw new DiskfluxError("E_FORMAT", `${escapeName(src)}: not a ZIP archive; expected a sigrok .sr or DSView .dsl capture`);
  }

  const disk = u16(bytes, eocd + 4);
  const cdDisk = u16(bytes, eocd + 6);
  let count = u16(bytes, eocd + 10);
  let cdSize = u32(bytes, eocd + 12);
  let cdOffset = u32(bytes, eocd + 16);
  let cdLimit = eocd; // the central directory must end before this

  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    // ZIP64: a locator just before the EOCD points at the ZIP64 EOCD record.
    const loc = eocd - 20;
    if (loc >= 0 && u32(bytes, loc) === SIG_ZIP64_LOCATOR) {
      const rec = u64(bytes, loc + 8);
      if (rec + 56 > loc || u32(bytes, rec) !== SIG_ZIP64_EOCD) {
        throw new DiskfluxError("E_CORRUPT", `${escapeName(src)}: ZIP64 end-of-central-directory record is missing or damaged; ${AGAIN}`);
      }
      count = u64(bytes, rec + 32);
      cdSize = u64(bytes, rec + 40);
      cdOffset = u64(bytes, rec + 48);
      cdLimit = rec;
    }
  } else if (disk !== 0 || cdDisk !== 0) {
    throw new DiskfluxError("E_FORMAT", `${escapeName(src)}: multi-part (spanned) ZIP archives are not supported; join the parts into one file`);
  }

  if (cdOffset + cdSize > cdLimit) {
    throw new DiskfluxError("E_CORRUPT", `${escapeName(src)}: ZIP central directory lies outside the file (truncated?); ${AGAIN}`);
  }
  if (count * CENTRAL_SIZE > cdSize) {
    throw new DiskfluxError("E_CORRUPT", `${escapeName(src)}: ZIP central directory is too small for its ${count} members; ${AGAIN}`);
  }

  const members: ZipMember[] = [];
  const end = cdOffset + cdSize;
  const utf8 = new TextDecoder("utf-8");
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    if (p + CENTRAL_SIZE > end || u32(bytes, p) !== SIG_CENTRAL) {
      throw new DiskfluxError("E_CORRUPT", `${escapeName(src)}: ZIP central directory record ${i + 1} of ${count} is damaged; ${AGAIN}`);
    }
    const flags = u16(bytes, p + 8);
    const method = u16(bytes, p + 10);
    const crc = u32(bytes, p + 16);
    let compressedSize = u32(bytes, p + 20);
    let uncompressedSize = u32(bytes, p + 24);
    const nameLen = u16(bytes, p + 28);
    const extraLen = u16(bytes, p + 30);
    const commentLen = u16(bytes, p + 32);
    let offset = u32(bytes, p + 42);
    const next = p + CENTRAL_SIZE + nameLen + extraLen + commentLen;
    if (next > end) {
      throw new DiskfluxError("E_CORRUPT", `${escapeName(src)}: ZIP central directory record ${i + 1} of ${count} runs past the directory; ${AGAIN}`);
    }
    // Names are ASCII in both formats; UTF-8 covers ASCII and flag bit 11.
    const name = utf8.decode(bytes.subarray(p + CENTRAL_SIZE, p + CENTRAL_SIZE + nameLen));

    // ZIP64 extra field (id 1): 64-bit values for the fields that hold 0xFFFFFFFF, in this order.
    if (uncompressedSize === 0xffffffff || compressedSize === 0xffffffff || offset === 0xffffffff) {
      const z = findExtra(bytes, p + CENTRAL_SIZE + nameLen, extraLen, 0x0001);
      if (z) {
        let q = z.start;
        const take = (): number => {
          if (q + 8 > z.end) {
            throw new DiskfluxError("E_CORRUPT", `${escapeName(src)}: ZIP64 extra field of member ${quoteInput(name)} is too short; ${AGAIN}`);
          }
          const v = u64(bytes, q);
          q += 8;
          return v;
        };
        if (uncompressedSize === 0xffffffff) uncompressedSize = take();
        if (compressedSize === 0xffffffff) compressedSize = take();
        if (offset === 0xffffffff) offset = take();
      }
    }
    members.push({ name, method, compressedSize, uncompressedSize, crc32: crc, flags, offset });
    p = next;
  }
  return members;
}

/** Position of the EOCD record, or -1. Searches backwards over a possible comment. */
function findEocd(bytes: Uint8Array): number {
  const last = bytes.length - EOCD_SIZE;
  const first = Math.max(0, last - MAX_COMMENT);
  let loose = -1;
  for (let p = last; p >= first; p--) {
    if (bytes[p] !== 0x50 || u32(bytes, p) !== SIG_EOCD) continue;
    const commentLen = u16(bytes, p + 20);
    if (p + EOCD_SIZE + commentLen === bytes.length) return p;
    // Something after the comment (padding, appended bytes): keep the last-found candidate.
    if (loose < 0 && p + EOCD_SIZE + commentLen < bytes.length) loose = p;
  }
  return loose;
}

function findExtra(bytes: Uint8Array, start: number, len: number, id: number): { start: number; end: number } | undefined {
  let p = start;
  const end = start + len;
  while (p + 4 <= end) {
    const tag = u16(bytes, p);
    const size = u16(bytes, p + 2);
    if (p + 4 + size > end) return undefined;
    if (tag === id) return { start: p + 4, end: p + 4 + size };
    p += 4 + size;
  }
  return undefined;
}

/** The compressed bytes of a member, located through its local header. */
function memberData(bytes: Uint8Array, src: string, m: ZipMember): Uint8Array {
  const at = m.offset;
  if (at + LOCAL_SIZE > bytes.length || u32(bytes, at) !== SIG_LOCAL) {
    throw new DiskfluxError("E_CORRUPT", `${escapeName(src)}: local header of member ${quoteInput(m.name)} is missing or out of bounds; ${AGAIN}`);
  }
  // Only the local name and extra lengths are used; sizes may be zero (data descriptor).
  const start = at + LOCAL_SIZE + u16(bytes, at + 26) + u16(bytes, at + 28);
  const end = start + m.compressedSize;
  if (end > bytes.length) {
    throw new DiskfluxError("E_CORRUPT", `${escapeName(src)}: member ${quoteInput(m.name)} extends past the end of the file (truncated?); ${AGAIN}`);
  }
  return bytes.subarray(start, end);
}

/** Every check of a member's declared sizes and method against the file (ZipArchive.check); its compressed bytes. */
function checkMember(bytes: Uint8Array, src: string, m: ZipMember): Uint8Array {
  checkLimit(src, m);
  if (m.flags & 1) {
    throw new DiskfluxError("E_FORMAT", `${escapeName(src)}: member ${quoteInput(m.name)} is encrypted, which diskflux does not support; save the capture without a password`);
  }
  if (m.method !== 0 && m.method !== 8) {
    throw new DiskfluxError(
      "E_FORMAT",
      `${escapeName(src)}: member ${quoteInput(m.name)} uses ZIP compression method ${m.method}; diskflux reads only stored (0) and deflate (8), so re-save the capture with sigrok or DSView`,
    );
  }
  const data = memberData(bytes, src, m);
  if (m.method === 0 && m.compressedSize !== m.uncompressedSize) {
    throw new DiskfluxError("E_CORRUPT", `${escapeName(src)}: stored member ${quoteInput(m.name)} declares ${m.compressedSize} stored but ${m.uncompressedSize} uncompressed bytes; the file is damaged, ${AGAIN}`);
  }
  return data;
}

function checkLimit(src: string, m: ZipMember): void {
  if (m.uncompressedSize > ZIP_MAX_MEMBER_BYTES || m.compressedSize > ZIP_MAX_MEMBER_BYTES) {
    throw new DiskfluxError(
      "E_LIMIT",
      `${escapeName(src)}: member ${quoteInput(m.name)} declares ${m.uncompressedSize} bytes, more than the 4 GiB diskflux accepts; split the capture into shorter sessions`,
    );
  }
  // Deflate cannot expand beyond ~1032:1, so a larger declared size is a lie: refuse it before allocating.
  if (m.method === 8 && m.uncompressedSize > m.compressedSize * 1040 + 1024) {
    throw new DiskfluxError(
      "E_CORRUPT",
      `${escapeName(src)}: member ${quoteInput(m.name)} declares ${m.uncompressedSize} bytes from only ${m.compressedSize} compressed; the file is damaged, ${AGAIN}`,
    );
  }
}

/** new Uint8Array(size), with an allocation failure reported as E_LIMIT. */
export function allocate(src: string, size: number): Uint8Array {
  try {
    return new Uint8Array(size);
  } catch (e) {
    throw new DiskfluxError("E_LIMIT", `${escapeName(src)}: cannot allocate ${size} bytes for the samples; use a shorter capture or a machine with more memory`, { cause: e });
  }
}

// ---------------------------------------------------------------- inflate

interface NodeZlib {
  inflateRawSync(data: Uint8Array, options: { chunkSize?: number; maxOutputLength?: number }): Uint8Array;
  createInflateRaw(options: { chunkSize?: number; readableHighWaterMark?: number }): NodeInflateStream;
  createGunzip(options: { chunkSize?: number; readableHighWaterMark?: number }): NodeInflateStream;
  crc32?: (data: Uint8Array, value?: number) => number;
}

type NodeInflateStream = AsyncIterable<unknown> & { write(data: Uint8Array): boolean; end(data?: Uint8Array): void; destroy(): void };

let zlibModule: Promise<NodeZlib | null> | undefined;

function isNode(): boolean {
  return typeof process !== "undefined" && typeof process.versions?.node === "string";
}

/** Node's zlib, loaded on first use; null outside Node. */
function loadZlib(): Promise<NodeZlib | null> {
  if (!zlibModule) {
    zlibModule = isNode()
      ? import("node:zlib").then(
          (z) => z as unknown as NodeZlib,
          () => null,
        )
      : Promise.resolve(null);
  }
  return zlibModule;
}

function hasDeflateRawStream(): boolean {
  if (typeof DecompressionStream !== "function") return false;
  try {
    new DecompressionStream("deflate-raw");
    return true;
  } catch {
    return false; // an older browser that knows only "deflate" and "gzip"
  }
}

/**
 * Inflates raw deflate data into target[offset, offset + size). Returns the
 * number of bytes the stream holds, or size + 1 when it holds more than size.
 */
async function inflate(
  data: Uint8Array,
  target: Uint8Array,
  offset: number,
  size: number,
  which: ZipInflater,
  src: string,
  name: string,
): Promise<number> {
  if (size === 0 && data.length === 0) return 0;
  let kind = which;
  let zlib: NodeZlib | null = null;
  if (kind === "auto" || kind === "zlib") {
    zlib = await loadZlib();
    if (zlib) kind = "zlib";
    else if (kind === "zlib") throw new DiskfluxError("E_ARGUMENT", `${escapeName(src)}: the zlib inflater needs Node.js; use inflater "auto"`);
    else kind = hasDeflateRawStream() ? "stream" : "fflate";
  }
  try {
    if (kind === "zlib" && zlib) return inflateWithZlib(zlib, data, target, offset, size);
    if (kind === "stream") return await inflateWithStream(data, target, offset, size);
    return inflateWithFflate(await loadFflate(), data, target, offset, size);
  } catch (e) {
    throw notInflating(src, name, e);
  }
}

function notInflating(src: string, name: string, e: unknown): DiskfluxError {
  const why = e instanceof Error ? e.message : String(e);
  return new DiskfluxError("E_CORRUPT", `${escapeName(src)}: member ${quoteInput(name)} does not inflate (${why}); the file is damaged, ${AGAIN}`, { cause: e });
}

function inflateWithZlib(zlib: NodeZlib, data: Uint8Array, target: Uint8Array, offset: number, size: number): number {
  const out = inflateOwnedWithZlib(zlib, data, size);
  if (out === undefined) return size + 1;
  target.set(out, offset);
  return out.length;
}

/**
 * zlib's output for a member of `size` bytes, as a plain Uint8Array view;
 * undefined when the stream holds more than `size` (the output cap stops it).
 */
function inflateOwnedWithZlib(zlib: NodeZlib, data: Uint8Array, size: number): Uint8Array | undefined {
  let out: Uint8Array;
  try {
    // One output chunk the size of the member; the output cap stops a stream that runs long.
    out = zlib.inflateRawSync(data, { chunkSize: Math.max(64, size + 1024), maxOutputLength: Math.min(size + 1, 2 ** 32) });
  } catch (e) {
    if ((e as { code?: unknown }).code === "ERR_BUFFER_TOO_LARGE") return undefined;
    throw e;
  }
  return out.length > size ? undefined : new Uint8Array(out.buffer, out.byteOffset, out.length);
}

async function inflateWithStream(data: Uint8Array, target: Uint8Array, offset: number, size: number): Promise<number> {
  const ds = new DecompressionStream("deflate-raw");
  const writer = ds.writable.getWriter();
  // Errors surface on the reading side; these promises only need a handler.
  writer.write(data as Uint8Array<ArrayBuffer>).catch(() => undefined);
  writer.close().catch(() => undefined);
  const reader = ds.readable.getReader();
  let pos = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return pos;
    if (pos + value.length > size) {
      await reader.cancel().catch(() => undefined);
      return size + 1;
    }
    target.set(value, offset + pos);
    pos += value.length;
  }
}

/** fflate, loaded when first needed (where there is no zlib): its tables cost every start ~3 ms otherwise (profiled). */
function loadFflate(): Promise<typeof import("fflate")> {
  return import("fflate");
}

function inflateWithFflate(fflate: typeof import("fflate"), data: Uint8Array, target: Uint8Array, offset: number, size: number): number {
  const { inflateSync } = fflate;
  // fflate writes into a given buffer without growing it, so the buffer gets one
  // spare byte: a stream that fills it is longer than declared. When the target
  // has a byte after this member's range (which its next member overwrites), inflate
  // in place; otherwise into a scratch buffer.
  try {
    if (offset + size < target.length) {
      return inflateSync(data, { out: target.subarray(offset, offset + size + 1) }).length;
    }
    const out = inflateSync(data, { out: new Uint8Array(size + 1) });
    if (out.length <= size) target.set(out, offset);
    return out.length;
  } catch (e) {
    if (e instanceof RangeError) return size + 1; // a stored block that did not fit
    throw e;
  }
}

// ---------------------------------------------------------------- inflate piece by piece

/** A gzip member header: deflate, no flags, no time, unknown OS. */
const GZIP_HEADER = Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff);

/** A stored member's bytes in pieces (views into the file). */
async function* storedPieces(data: Uint8Array, step: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < data.length; at += step) yield data.subarray(at, Math.min(data.length, at + step));
}

/**
 * Node's zlib as a stream: output comes in chunkSize pieces and zlib pauses
 * while the reader has not taken them (stream backpressure), so memory stays
 * near a few pieces whatever the member inflates to. zlib runs on the thread
 * pool: it may inflate four pieces ahead, so inflating overlaps with what the
 * reader does with the current piece (decoding) instead of alternating with it.
 */
async function* inflatePiecesZlib(zlib: NodeZlib, data: Uint8Array, step: number, m: ZipMember): AsyncGenerator<Uint8Array> {
  // pieces of at most 1 MiB: 4 MiB pieces measured slower to hand over (1.5-2.5x the wall time, same CPU; 2 loaded cores)
  const chunkSize = Math.max(64, Math.min(step, 1 << 20));
  // The raw deflate data between a gzip header and a trailer holding the member's
  // CRC-32 and size: zlib checks both as it inflates (on its thread pool), so
  // this thread never runs a CRC over the output. A mismatch is an "incorrect
  // data check" / "incorrect length check" error at the end.
  const z = zlib.createGunzip({ chunkSize, readableHighWaterMark: 4 * chunkSize });
  const trailer = new Uint8Array(8);
  const view = new DataView(trailer.buffer);
  view.setUint32(0, m.crc32 >>> 0, true);
  view.setUint32(4, m.uncompressedSize % 2 ** 32, true);
  z.write(GZIP_HEADER);
  z.write(data);
  z.end(trailer);
  try {
    for await (const out of z) yield out as Uint8Array;
  } finally {
    z.destroy();
  }
}

/**
 * fflate outside Node: deflate expands at most ~1032:1, so this many compressed
 * bytes per push keeps each push's output near `step`.
 */
async function* inflatePiecesFflate(data: Uint8Array, step: number): AsyncGenerator<Uint8Array> {
  const pending: Uint8Array[] = [];
  const { Inflate } = await loadFflate();
  const inflater = new Inflate((chunk) => pending.push(chunk));
  const feed = Math.max(64, step >> 10);
  for (let at = 0; at < data.length; at += feed) {
    const end = Math.min(data.length, at + feed);
    inflater.push(data.subarray(at, end), end === data.length);
    while (pending.length > 0) yield pending.shift()!;
  }
}

// ---------------------------------------------------------------- CRC-32

/** Node's zlib.crc32 continued over more bytes (crc32(bytes, crc)), or undefined where there is none (browsers). */
export async function platformCrc32(): Promise<((bytes: Uint8Array, crc: number) => number) | undefined> {
  const zlib = await loadZlib();
  const f = zlib?.crc32;
  return f ? (bytes, crc) => f(bytes, crc) : undefined;
}

/** ZIP's CRC-32 (reflected polynomial 0xEDB88320): zlib's in Node, else a table loop. */
export async function crc32(data: Uint8Array): Promise<number> {
  const zlib = await loadZlib();
  if (zlib && typeof zlib.crc32 === "function") return zlib.crc32(data) >>> 0;
  return crc32Js(data);
}

export { crc32Js, crc32Update };

// ---------------------------------------------------------------- little-endian fields

function u16(b: Uint8Array, p: number): number {
  return b[p] | (b[p + 1] << 8);
}

function u32(b: Uint8Array, p: number): number {
  return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
}

/** A 64-bit field as a number; values beyond 2^53 become Infinity (and fail every bounds check). */
function u64(b: Uint8Array, p: number): number {
  const hi = u32(b, p + 4);
  return hi >= 0x200000 ? Infinity : hi * 2 ** 32 + u32(b, p);
}

function hex8(n: number): string {
  return n.toString(16).toUpperCase().padStart(8, "0");
}
