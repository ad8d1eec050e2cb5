// Quoting input in messages. Every message that shows something taken from the
// input — a token, a name from a capture's metadata, a file name, a command-line
// value — shows it through these helpers, so a crafted file cannot put a newline
// into a one-line message or an escape sequence onto the user's terminal:
//
//   printable ASCII (0x20-0x7E)     as it is, except \ which becomes \\ (and the
//                                   quote character inside quotes: \" or \')
//   anything else                   \xNN per byte (strings: per byte of their UTF-8)
//   longer than the limit           cut before the limit (40 characters of output;
//                                   file names 200), then …
//
//   quoteInput("\x1b[31mred", 1234)  ->  "\x1b[31mred" at byte 1234
//
// DiskfluxError (src/errors.ts) adds a last line of defence: control characters
// that reach its constructor some other way are escaped there (oneLine below).

/** Characters of escaped output kept by quoteInput and escapeInput before the cut. */
export const QUOTE_LIMIT = 40;
/** Characters of escaped output kept of a file or source name (escapeName). */
export const NAME_LIMIT = 200;

const HEX = "0123456789abcdef";

function hexByte(b: number): string {
  return `\\x${HEX[b >> 4]}${HEX[b & 15]}`;
}

/** The UTF-8 bytes of one code point. */
function utf8(cp: number): number[] {
  if (cp < 0x80) return [cp];
  if (cp < 0x800) return [0xc0 | (cp >> 6), 0x80 | (cp & 63)];
  if (cp < 0x10000) return [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63)];
  return [0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63)];
}

/** Escaped pieces of the input, one per byte (or per code point for a string), lazily. */
function* pieces(text: string | Uint8Array, extra: string, backslash: boolean): Generator<string> {
  const byte = (b: number): string => {
    if (b < 0x20 || b >= 0x7f) return hexByte(b);
    const c = String.fromCharCode(b);
    return (backslash && c === "\\") || extra.includes(c) ? `\\${c}` : c;
  };
  if (typeof text !== "string") {
    for (const b of text) yield byte(b);
    return;
  }
  for (let i = 0; i < text.length; i++) {
    let cp = text.charCodeAt(i);
    if (cp >= 0xd800 && cp < 0xdc00 && i + 1 < text.length) {
      const lo = text.charCodeAt(i + 1);
      if (lo >= 0xdc00 && lo < 0xe000) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        i++;
      }
    }
    if (cp >= 0xd800 && cp < 0xe000) cp = 0xfffd; // a lone surrogate, as TextEncoder writes it
    if (cp < 0x80) yield byte(cp);
    else yield utf8(cp).map(hexByte).join("");
  }
}

function escapeWith(text: string | Uint8Array, max: number, extra: string, backslash = true): string {
  let out = "";
  const limit = Math.max(1, Math.floor(max));
  for (const p of pieces(text, extra, backslash)) {
    if (out.length + p.length > limit) return out + "…";
    out += p;
  }
  return out;
}

/**
 * The input escaped for a one-line message, without quotes: printable ASCII as
 * it is (backslash doubled), every other byte as \xNN (a string as its UTF-8
 * bytes), cut to at most `max` characters of output followed by "…". Never
 * contains a control character, a newline or a non-ASCII character other than
 * the final "…".
 */
export function escapeInput(text: string | Uint8Array, max = QUOTE_LIMIT): string {
  return escapeWith(text, max, "");
}

/**
 * The input as a quoted token for a message: `"…"`, escaped as escapeInput
 * does (a `"` inside as \"), cut to a short prefix, and followed by
 * ` at byte N` when the caller knows where in the file it starts.
 *
 *   quoteInput(bytes.subarray(start, end), start)  ->  "\xff\xff\x00..." at byte 1234
 */
export function quoteInput(text: string | Uint8Array, offset?: number, max = QUOTE_LIMIT): string {
  const q = `"${escapeWith(text, max, '"')}"`;
  return offset === undefined ? q : `${q} at byte ${offset}`;
}

/**
 * A command-line value in the CLI's single quotes (`'nope'`), escaped as
 * escapeInput does (a `'` inside as \').
 */
export function quoteArg(text: string, max = QUOTE_LIMIT): string {
  return `'${escapeWith(text, max, "'")}'`;
}

/**
 * A file or source name for the start of a message (`name: what went wrong`),
 * escaped as escapeInput does but with a longer limit and with backslashes
 * kept single, so a Windows path reads as the user typed it. Plain names come
 * back as they are.
 */
export function escapeName(name: string): string {
  return escapeWith(name, NAME_LIMIT, "", false);
}

// C0 controls, DEL, C1 controls (0x9b is a CSI on some terminals), line and
// paragraph separators, bidi embeddings/overrides/isolates.
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const UNSAFE_ALL = new RegExp(UNSAFE.source, "g");

/**
 * A message forced onto one line: control characters (C0, DEL, C1), the
 * Unicode line and paragraph separators and the bidirectional overrides
 * become \xNN / \uNNNN escapes. Text that is already escaped passes
 * unchanged, and so does other non-ASCII text (an "…" or a "µs" in a message
 * is fine on a terminal).
 */
export function oneLine(message: string): string {
  return UNSAFE.test(message)
    ? message.replace(UNSAFE_ALL, (c) => {
        const cp = c.charCodeAt(0);
        return cp < 0x100 ? hexByte(cp) : `\\u${cp.toString(16).padStart(4, "0")}`;
      })
    : message;
}
