// Wasm vs TypeScript in the browser: the same capture decoded on both backends
// gives the same records, fields, statistics, binary streams and edge log.
import { describe, it, expect } from "vitest";
import { readCapture, decode, type DecodeResult, type Capture } from "../src/index.js";
import { demoCapture } from "../src/encode/demo.js";
import { BROWSER_SET, equalBytes, haveShared, oracleCaptures, sampleBytes } from "./support.js";

function comparable(r: DecodeResult) {
  return {
    records: r.records.map((x) => ({ ...x, bytes: Array.from(x.bytes) })),
    fields: r.fields,
    stats: r.stats,
    sampleCount: r.sampleCount,
  };
}

async function both(capture: Capture, options: string): Promise<void> {
  const wasm = await decode(capture, options, { backend: "wasm", logBytes: true });
  const js = await decode(capture, options, { backend: "js", logBytes: true });
  expect(wasm.backend).toBe("wasm");
  expect(js.backend).toBe("js");
  expect(comparable(wasm)).toEqual(comparable(js));
  for (const name of ["id", "idcrc", "data", "datacrc", "iddata"] as const) {
    expect(equalBytes(wasm.binary[name], js.binary[name]), name).toBe(true);
  }
  expect(wasm.events && js.events && equalBytes(new Uint8Array(wasm.events.buffer), new Uint8Array(js.events.buffer)), "event log").toBe(true);
  const we = wasm.edges!, je = js.edges!;
  expect(equalBytes(new Uint8Array(we.positions.buffer), new Uint8Array(je.positions.buffer)), "edges").toBe(true);
  expect(equalBytes(new Uint8Array(we.cells.buffer), new Uint8Array(je.cells.buffer)), "cells").toBe(true);
}

describe("Wasm/TypeScript parity in the browser", () => {
  it("the demo track (synthesized in the browser)", async () => {
    const demo = demoCapture();
    await both(demo.capture, demo.options);
  });

  if (haveShared) {
    it("the browser set of shared captures", async () => {
      const captures = (await oracleCaptures()).filter((c) => BROWSER_SET.includes(c.file));
      expect(captures.length).toBe(BROWSER_SET.length);
      for (const c of captures) await both(await readCapture(await sampleBytes(c.file), c.file), c.options);
    });
  } else {
    it.skip("the browser set of shared captures (shared folders missing)", () => {});
  }
});
