// The page's decoding worker (web/worker.ts) in a real browser: requests go in,
// buffers are transferred (the sender's ArrayBuffer is detached), results come
// back with their typed arrays, and errors come back as messages.
import { describe, it, expect, afterAll } from "vitest";
import type { WorkerRequest, WorkerResponse, DecodedTrack } from "../web/protocol.js";
import { equalBytes, fetchText, haveShared, oracleBytes, oracleDir, sampleBytes } from "./support.js";

const worker = new Worker(new URL("../web/worker.ts", import.meta.url), { type: "module" });
let seq = 0;
/** A request without its sequence number (Omit distributed over the union). */
type Req = WorkerRequest extends infer R ? (R extends unknown ? Omit<R, "seq"> : never) : never;
afterAll(() => worker.terminate());

function ask(req: Req, transfer: Transferable[] = []): Promise<WorkerResponse> {
  const id = ++seq;
  return new Promise((resolve, reject) => {
    const onMessage = (e: MessageEvent<WorkerResponse>) => {
      if (e.data.type === "ready" || e.data.seq !== id) return;
      worker.removeEventListener("message", onMessage);
      resolve(e.data);
    };
    worker.addEventListener("message", onMessage);
    worker.addEventListener("error", (e) => reject(new Error(e.message)), { once: true });
    worker.postMessage({ ...req, seq: id } as WorkerRequest, transfer);
  });
}

async function decoded(req: Req, transfer: Transferable[] = []): Promise<DecodedTrack> {
  const m = await ask(req, transfer);
  if (m.type !== "decoded") throw new Error(`expected a decode, got ${JSON.stringify(m)}`);
  return m.track;
}

describe("decoding worker", () => {
  it("synthesizes and decodes the demo", async () => {
    const t = await decoded({ type: "demo", backend: "wasm" });
    expect(t.backend).toBe("wasm");
    const ids = t.records.filter((r) => r.kind === "id");
    expect(ids.length).toBe(17);
    const bad = t.records.filter((r) => r.kind === "data" && r.crc && !r.crc.ok);
    expect(bad.length).toBe(1);
    expect(t.demoOptions).toBe(t.options);
    expect(t.histogram.total).toBeGreaterThan(1000);
    expect(t.rows.rows.map((r) => r.name)).toEqual(["pulses", "windows", "bits", "bytes", "fields", "errors"]);
    for (const r of t.rows.rows) {
      for (let i = 1; i < r.start.length; i++) if (r.start[i] < r.start[i - 1]) throw new Error(`${r.name} not sorted`);
    }
    // MFM: the histogram's mass sits at 2, 3 and 4 cells.
    const h = t.histogram;
    let inPeaks = 0;
    for (let i = 0; i < h.counts.length; i++) {
      const cells = (i + 0.5) / h.binsPerCell;
      if ([2, 3, 4].some((c) => Math.abs(cells - c) < 0.5)) inPeaks += h.counts[i];
    }
    expect(inPeaks / h.total).toBeGreaterThan(0.99);
  });

  it("re-decodes the held capture on the other backend with the same result", async () => {
    const w = await decoded({ type: "decode", backend: "wasm", options: "data_rate=5000000:format=MFM" });
    const j = await decoded({ type: "decode", backend: "js", options: "data_rate=5000000:format=MFM" });
    expect(j.backend).toBe("js");
    expect(equalBytes(w.binary.data, j.binary.data)).toBe(true);
    expect(w.fields).toEqual(j.fields);
    const c = await ask({ type: "compare", options: "data_rate=5000000:format=MFM" });
    expect(c.type).toBe("compared");
    if (c.type === "compared") {
      expect(c.identical).toBe(true);
      expect(c.ms.wasm).toBeGreaterThan(0);
      expect(c.ms.js).toBeGreaterThan(0);
    }
  });

  it.skipIf(!haveShared)("takes a capture by transfer and decodes it like the oracle", async () => {
    const bytes = (await sampleBytes("hdd_mfm_RQDX3.sr")).buffer as ArrayBuffer;
    const size = bytes.byteLength;
    const pending = decoded({ type: "open", name: "hdd_mfm_RQDX3.sr", bytes, options: "data_rate=5000000:format=MFM", backend: "wasm" }, [bytes]);
    expect(bytes.byteLength, "the file buffer was transferred, not copied").toBe(0);
    const t = await pending;
    expect(t.capture.fileBytes).toBe(size);
    expect(t.capture.source).toBe("hdd_mfm_RQDX3.sr");
    expect(equalBytes(t.binary.data, await oracleBytes("hdd_mfm_RQDX3", "data.bin"))).toBe(true);
    expect(equalBytes(t.binary.id, await oracleBytes("hdd_mfm_RQDX3", "id.bin"))).toBe(true);
    // The timeline rows are the original's whole annotation stream (full_streams.tsv: its line count).
    const lines = (await fetchText(`${oracleDir}/full_streams.tsv`)).split("\n").map((l) => l.split("\t")).find((r) => r[0] === "hdd_mfm_RQDX3");
    const items = t.rows.rows.reduce((n, r) => n + r.start.length, 0);
    expect(items).toBe(Number(lines?.[1]));
    const fields = t.rows.rows.find((r) => r.name === "fields")!;
    const oracleFields = (await fetchText(`${oracleDir}/hdd_mfm_RQDX3/fields_sn.txt`)).trim().split("\n");
    const ours = Array.from(fields.start, (s, i) => `${s}-${fields.end[i]} mfm-1: ${fields.text[fields.value[i]]}`);
    expect(ours).toEqual(oracleFields);
    // Results arrive in buffers of their own (transferred from the worker).
    expect(t.binary.data.byteOffset).toBe(0);
    expect(t.binary.data.buffer.byteLength).toBe(t.binary.data.byteLength);
  });

  it("reports an unreadable file as an error message", async () => {
    const junk = new TextEncoder().encode("this is not a capture").buffer as ArrayBuffer;
    const m = await ask({ type: "open", name: "junk.sr", bytes: junk, options: "", backend: "js" }, [junk]);
    expect(m.type).toBe("error");
    if (m.type === "error") {
      expect(m.code).toBe("E_FORMAT");
      expect(m.message).toMatch(/junk\.sr/);
    }
  });

  it("reports bad options as an error message", async () => {
    await decoded({ type: "demo", backend: "js" });
    const m = await ask({ type: "decode", options: "format=NOPE", backend: "js" });
    expect(m.type).toBe("error");
    if (m.type === "error") expect(m.code).toBe("E_OPTION");
  });
});
