// Golden sectors in a real browser: the shared captures, fetched over HTTP,
// unzipped with DecompressionStream, decoded on both backends; the binary
// streams must equal the original decoder's output byte for byte.
import { describe, it, expect, beforeAll } from "vitest";
import { readCapture, decode, type DecodeResult } from "../src/index.js";
import { BROWSER_SET, equalBytes, haveShared, oracleBytes, oracleCaptures, sampleBytes, warnMissing, type OracleCapture } from "./support.js";

if (!haveShared) {
  warnMissing("browser golden tests");
  it.skip("browser golden tests (shared samples/oracle missing)", () => {});
} else {
  describe("golden sectors in the browser", () => {
    let captures: OracleCapture[] = [];
    beforeAll(async () => {
      captures = (await oracleCaptures()).filter((c) => BROWSER_SET.includes(c.file));
    });

    it("finds the browser set in summary.tsv", () => {
      expect(captures.map((c) => c.file).sort()).toEqual([...BROWSER_SET].sort());
    });

    for (const file of BROWSER_SET) {
      for (const backend of ["wasm", "js"] as const) {
        it(`${file} (${backend}): data, id, idcrc, datacrc equal the oracle`, async () => {
          const c = captures.find((x) => x.file === file);
          if (!c) return expect.fail(`${file} not in summary.tsv`);
          const capture = await readCapture(await sampleBytes(c.file), c.file);
          const result: DecodeResult = await decode(capture, c.options, { backend });
          expect(result.backend).toBe(backend);
          for (const name of ["data", "id", "idcrc", "datacrc"] as const) {
            const expected = await oracleBytes(c.stem, `${name}.bin`);
            expect(result.binary[name].length, `${name} length`).toBe(expected.length);
            expect(equalBytes(result.binary[name], expected), `${name} bytes`).toBe(true);
          }
        });
      }
    }
  });
}
