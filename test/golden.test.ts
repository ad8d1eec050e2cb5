// Golden tests: every shared capture decoded with its oracle option string must
// give the original's binary outputs byte for byte and its field annotations
// (text and sample ranges) line for line — on both backends.
import { describe, it, expect, beforeAll } from "vitest";
import { readFileSync, existsSync } from "node:fs";
import { readCaptureFile } from "../src/readers/index.js";
import { decode, type DecodeResult } from "../src/decode.js";
import type { LogicCapture } from "../src/capture.js";
import { fieldLines } from "../src/annotate/fields.js";
import { SAMPLES_DIR, ORACLE_DIR, haveShared, oracleCaptures, warnMissing, firstDifference } from "./support/shared.js";

const captures = oracleCaptures();

if (!haveShared) {
  warnMissing("golden tests");
  it.skip("golden tests (shared samples/oracle missing)", () => {});
}

for (const backend of ["js", "wasm"] as const) {
  describe(`golden (${backend})`, () => {
    for (const c of captures) {
      describe(c.stem, () => {
        let result: DecodeResult;
        let capture: LogicCapture;
        beforeAll(async () => {
          capture = await readCaptureFile(`${SAMPLES_DIR}/${c.file}`);
          result = await decode(capture, c.options, { backend });
        });

        it("uses the requested backend", () => {
          expect(result.backend).toBe(backend);
        });

        for (const name of ["id", "idcrc", "data", "datacrc"] as const) {
          it(`binary ${name} equals the oracle`, () => {
            const expected = new Uint8Array(readFileSync(`${ORACLE_DIR}/${c.stem}/${name}.bin`));
            const actual = result.binary[name];
            expect(actual.length).toBe(expected.length);
            expect(Buffer.compare(Buffer.from(actual), Buffer.from(expected))).toBe(0);
          });
        }

        it("ID/data records and CRC verdicts equal fields_sn.txt", () => {
          const expected = readFileSync(`${ORACLE_DIR}/${c.stem}/fields_sn.txt`, "utf8");
          const actual = fieldLines(result, { sampleNumbers: true }).join("");
          if (actual !== expected) expect.fail(firstDifference(expected, actual));
          expect(actual).toBe(expected);
        });

        it("fields.txt without sample numbers", () => {
          const path = `${ORACLE_DIR}/${c.stem}/fields.txt`;
          if (!existsSync(path)) return expect.fail(`missing ${path}`);
          expect(fieldLines(result, { sampleNumbers: false }).join("")).toBe(readFileSync(path, "utf8"));
        });

        it("records agree with the binary streams", () => {
          const ids = result.records.filter((r) => r.kind === "id");
          const idBytes = Buffer.concat(ids.map((r) => Buffer.from(r.bytes)));
          expect(Buffer.compare(idBytes, Buffer.from(result.binary.id))).toBe(0);
          const data = result.records.filter((r) => r.kind === "data" && r.crc);
          const dataBytes = Buffer.concat(data.map((r) => Buffer.from(r.bytes)));
          expect(Buffer.compare(dataBytes, Buffer.from(result.binary.data))).toBe(0);
        });
      });
    }
  });
}
