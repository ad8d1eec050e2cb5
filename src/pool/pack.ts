// A decode result's records and fields as a few flat buffers, for the trip from
// a worker back to the main thread. Structured clone walks every record object
// (34 records and ~140 field events a hard-disk track, each with nested CRC
// verdicts and strings): measured 0.59 ms a track on the receiving thread (2
// shared cores), the receiving thread being the one that feeds every worker.
// Packed, the records travel as one Float64Array of numbers, one string of
// their text and one byte buffer of their payloads (all moved, not copied), and
// the receiver rebuilds the very same objects: same keys in the same order,
// same values, each Uint8Array with a buffer of its own, so results are deep-
// and JSON-equal to what the worker's decode() returned.
//
// An object is packed when its values are numbers, strings, booleans,
// undefined, null, Uint8Arrays or plain objects of those (a record's `crc`);
// anything else (a recovery's evidence, arrays) leaves that one object to
// structured clone (`raw`), in its place.
//
//   shape   "kind:s,start:n,...,crc:o(ok:b,read:s,...)"   keys in order with a type tag each
//   nums    per object: shape index, then per value: a number, a boolean 0/1,
//           a string's length, a byte array's length
//   text    the strings back to back; bytes: the byte arrays back to back

/** Objects of one list (records, fields), flat. */
export interface PackedObjects {
  readonly count: number;
  readonly shapes: string[];
  readonly nums: Float64Array;
  readonly text: string;
  readonly bytes: Uint8Array;
  /** Objects that could not be packed, by position. */
  readonly raw: { readonly at: number; readonly value: unknown }[];
}

type Tag = "n" | "s" | "t" | "f" | "u" | "z" | "y" | "o";

interface Shape {
  readonly keys: string[];
  readonly tags: Tag[];
  readonly sub: (Shape | undefined)[];
}

function isPlain(v: object): boolean {
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

function tagOf(v: unknown): Tag | undefined {
  switch (typeof v) {
    case "number": return "n";
    case "string": return "s";
    case "boolean": return v ? "t" : "f";
    case "undefined": return "u";
    case "object":
      if (v === null) return "z";
      if (v instanceof Uint8Array && v.constructor === Uint8Array) return "y";
      return !Array.isArray(v) && isPlain(v) ? "o" : undefined;
    default: return undefined;
  }
}

/** Whether o has exactly this shape (keys in order, tags, nested shapes). */
function fits(o: Record<string, unknown>, sh: Shape): boolean {
  let i = 0;
  for (const k in o) {
    if (i >= sh.keys.length || k !== sh.keys[i]) return false;
    const v = o[k];
    const t = tagOf(v);
    if (t !== sh.tags[i]) return false;
    if (t === "o" && !fits(v as Record<string, unknown>, sh.sub[i]!)) return false;
    i++;
  }
  return i === sh.keys.length;
}

/** The shape of a plain object, or undefined when a value cannot be packed. */
function shapeOf(o: Record<string, unknown>): Shape | undefined {
  const keys: string[] = [];
  const tags: Tag[] = [];
  const sub: (Shape | undefined)[] = [];
  for (const k in o) {
    if (!Object.hasOwn(o, k) || /[,:()]/.test(k)) return undefined;
    const v = o[k];
    const t = tagOf(v);
    if (t === undefined) return undefined;
    let inner: Shape | undefined;
    if (t === "o" && (inner = shapeOf(v as Record<string, unknown>)) === undefined) return undefined;
    keys.push(k);
    tags.push(t);
    sub.push(inner);
  }
  return { keys, tags, sub };
}

function shapeText(sh: Shape): string {
  return sh.keys.map((k, i) => `${k}:${sh.tags[i]}${sh.tags[i] === "o" ? `(${shapeText(sh.sub[i]!)})` : ""}`).join(",");
}

/** Packs a list of objects (see the header). */
export function packObjects(list: readonly unknown[]): PackedObjects {
  const known: Shape[] = [];
  const nums: number[] = [];
  const texts: string[] = [];
  const arrays: Uint8Array[] = [];
  let byteCount = 0;
  const raw: { at: number; value: unknown }[] = [];
  const put = (o: Record<string, unknown>, sh: Shape) => {
    const { keys, tags } = sh;
    for (let i = 0; i < keys.length; i++) {
      const v = o[keys[i]];
      switch (tags[i]) {
        case "n": nums.push(v as number); break;
        case "s": nums.push((v as string).length); texts.push(v as string); break;
        case "y":
          nums.push((v as Uint8Array).length);
          arrays.push(v as Uint8Array);
          byteCount += (v as Uint8Array).length;
          break;
        case "o": put(v as Record<string, unknown>, sh.sub[i]!); break;
      }
    }
  };
  let last = -1;
  for (let at = 0; at < list.length; at++) {
    const o = list[at] as Record<string, unknown>;
    let si = -1;
    if (typeof o === "object" && o !== null && !Array.isArray(o) && isPlain(o)) {
      // records alternate between a few shapes: try the last one, then the others
      if (last >= 0 && fits(o, known[last])) si = last;
      else {
        for (let k = 0; k < known.length && si < 0; k++) if (k !== last && fits(o, known[k])) si = k;
        if (si < 0 && known.length < 64) {
          const sh = shapeOf(o);
          if (sh) {
            si = known.length;
            known.push(sh);
          }
        }
      }
    }
    if (si < 0) {
      raw.push({ at, value: o });
      continue;
    }
    last = si;
    nums.push(si);
    put(o, known[si]);
  }
  const bytes = new Uint8Array(byteCount);
  let off = 0;
  for (const a of arrays) {
    bytes.set(a, off);
    off += a.length;
  }
  return { count: list.length, shapes: known.map(shapeText), nums: Float64Array.from(nums), text: texts.join(""), bytes, raw };
}

function parseShape(s: string, at = { i: 0 }): Shape {
  const keys: string[] = [];
  const tags: Tag[] = [];
  const sub: (Shape | undefined)[] = [];
  while (at.i < s.length && s[at.i] !== ")") {
    const colon = s.indexOf(":", at.i);
    keys.push(s.slice(at.i, colon));
    const t = s[colon + 1] as Tag;
    tags.push(t);
    at.i = colon + 2;
    if (t === "o") {
      at.i++; // "("
      sub.push(parseShape(s, at));
      at.i++; // ")"
    } else sub.push(undefined);
    if (s[at.i] === ",") at.i++;
  }
  return { keys, tags, sub };
}

/** The objects packObjects packed, rebuilt. */
export function unpackObjects<T>(p: PackedObjects): T[] {
  const shapes = p.shapes.map((s) => parseShape(s));
  const { nums, text, bytes } = p;
  let n = 0;
  let t = 0;
  let b = 0;
  const build = (sh: Shape): Record<string, unknown> => {
    const o: Record<string, unknown> = {};
    const { keys, tags, sub } = sh;
    for (let i = 0; i < keys.length; i++) {
      switch (tags[i]) {
        case "n": o[keys[i]] = nums[n++]; break;
        case "s": {
          const len = nums[n++];
          o[keys[i]] = text.slice(t, t + len);
          t += len;
          break;
        }
        case "t": o[keys[i]] = true; break;
        case "f": o[keys[i]] = false; break;
        case "u": o[keys[i]] = undefined; break;
        case "z": o[keys[i]] = null; break;
        case "y": {
          const len = nums[n++];
          o[keys[i]] = bytes.slice(b, b + len);
          b += len;
          break;
        }
        case "o": o[keys[i]] = build(sub[i]!); break;
      }
    }
    return o;
  };
  const out: T[] = new Array(p.count);
  let r = 0;
  for (let at = 0; at < p.count; at++) {
    if (r < p.raw.length && p.raw[r].at === at) {
      out[at] = p.raw[r++].value as T;
      continue;
    }
    out[at] = build(shapes[nums[n++]]) as T;
  }
  return out;
}
