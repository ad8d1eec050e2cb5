// `diskflux decode <captures>... --recover --merge`: the sector copies of every
// capture (and every revolution of a multi-revolution one) grouped by the track
// their ID records name (cylinder, head), merged per sector by
// src/recover/merge.ts (best copy, conflict, vote), and printed once per track
// with the captures that went into it.
//
//   decode a.sr ─┐   sectorCopies (good IDs: cyl/head/sec, the data after each, its status)
//   decode b.sr ─┼──▶ tracks by cyl/head ──▶ mergeSectors ──▶ text | --json | --json --records
//   decode c.sr ─┘
//
// Memory: the copies' payloads and CRC inputs (for the vote), nothing else of a result.
import type { DecodeResult } from "../types.js";
import { mergeSectors, sectorCopies, statusCounts, type MergedSector, type SectorCopy } from "../recover/merge.js";
import { countsText, howText } from "../image/map.js";
import { oneLine } from "../escape.js";

interface TrackCopies {
  readonly cyl: number;
  readonly head: number;
  /** The captures (CLI names) with a copy on this track, in input order. */
  readonly captures: string[];
  readonly copies: SectorCopy[];
}

/** A merged track: its sectors and where they were read. */
export interface MergedTrack {
  readonly cyl: number;
  readonly head: number;
  readonly captures: readonly string[];
  readonly sectors: readonly MergedSector[];
  /** Each sector's copies (same order as `sectors`): capture and own status. */
  readonly reads: readonly (readonly { capture: string; status: string }[])[];
}

/** Collects the copies of each decoded capture; merges and prints them at the end. */
export class MergeCollector {
  private readonly tracks = new Map<string, TrackCopies>();

  /** Adds a decoded capture's sector copies; returns how many (0: no ID with a good check, nothing to merge). */
  add(name: string, result: DecodeResult): number {
    const copies = sectorCopies(result, name);
    for (const c of copies) {
      const key = `${c.cyl}/${c.head}`;
      let t = this.tracks.get(key);
      if (!t) this.tracks.set(key, (t = { cyl: c.cyl, head: c.head, captures: [], copies: [] }));
      if (!t.captures.includes(name)) t.captures.push(name);
      t.copies.push(c);
    }
    return copies.length;
  }

  /** Every track, in the order first read, its sectors merged. */
  merged(): MergedTrack[] {
    return [...this.tracks.values()].map((t) => {
      const sectors = mergeSectors(t.copies);
      const reads = sectors.map((s) => t.copies.filter((c) => c.sec === s.sec).map((c) => ({ capture: c.source ?? "", status: c.bytes === undefined ? "no data" : (c.status ?? (c.crcOk ? "good" : "bad")) })));
      return { cyl: t.cyl, head: t.head, captures: t.captures, sectors, reads };
    });
  }

  /** Prints the merged tracks: a table per track, a JSON array (one object a track) or JSON lines (one a sector). */
  write(out: NodeJS.WritableStream, how: { json: boolean; records: boolean }): void {
    const tracks = this.merged();
    if (how.json && how.records) {
      let buf = "";
      for (const t of tracks) t.sectors.forEach((s, i) => (buf += JSON.stringify(sectorJson(t, s, i)) + "\n"));
      out.write(buf);
      return;
    }
    if (how.json) {
      out.write(JSON.stringify(tracks.map((t) => ({
        cyl: t.cyl, head: t.head, captures: t.captures, counts: statusCounts(t.sectors),
        sectors: t.sectors.map((s, i) => sectorJson(t, s, i)),
      })), null, 2) + "\n");
      return;
    }
    if (tracks.length === 0) {
      out.write("merged: no sector with a good ID record in any capture\n");
      return;
    }
    let text = "";
    for (const t of tracks) {
      text += `cyl ${t.cyl} head ${t.head}: merged from ${t.captures.map((c) => oneLine(c)).join(", ")}: ${t.sectors.length} sectors: ${countsText(statusCounts(t.sectors))}\n`;
      t.sectors.forEach((s, i) => {
        // where the bytes came from, when not every read agrees it is good
        const mixed = t.captures.length > 1 && t.reads[i].some((r) => r.status !== "good");
        const from = mixed && s.evidence.chosen >= 0 ? t.reads[i][s.evidence.chosen]?.capture : undefined;
        const bad = t.reads[i].filter((r) => r.status !== "good" && r.status !== "corrected" && r.status !== "recovered").map((r) => oneLine(r.capture));
        const why = [
          howText(s), s.status === "conflict" ? `${s.evidence.variants} different payloads` : "",
          from !== undefined ? `bytes from ${oneLine(from)}` : "", mixed && bad.length > 0 ? `bad in ${bad.join(", ")}` : "",
        ].filter((x) => x !== "").join("; ");
        text += `  sec ${String(s.sec).padStart(3)}  ${s.status.padEnd(9)}  ${s.copies} of ${s.evidence.reads} reads${why ? `  (${why})` : ""}\n`;
      });
    }
    out.write(text);
  }
}

function sectorJson(t: MergedTrack, s: MergedSector, i: number) {
  const reads = t.reads[i];
  return {
    cyl: s.cyl, head: s.head, sec: s.sec, status: s.status, copies: s.copies,
    captures: t.captures,
    ...(s.evidence.chosen >= 0 ? { from: reads[s.evidence.chosen]?.capture } : {}),
    reads,
    evidence: s.evidence,
    bytes: s.bytes ? Buffer.from(s.bytes).toString("hex") : null,
  };
}
