// The embedded Wasm modules' base64 (src/kernels/base64.ts): Node's Buffer path and the
// atob path of browsers give the same bytes, each in an ArrayBuffer of its own.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { decodeBase64 } from "../src/kernels/base64.js";
import { wasmBase64 } from "../build/diskflux-wasm.js";

function withoutBuffer<T>(f: () => T): T {
  const g = globalThis as { Buffer?: unknown };
  const saved = g.Buffer;
  g.Buffer = undefined;
  try {
    return f();
  } finally {
    g.Buffer = saved;
  }
}

describe("decodeBase64", () => {
  it("Buffer and atob give the same bytes, whole buffers of their own (random bytes, the kernel module)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), (bytes) => {
        const text = Buffer.from(bytes).toString("base64");
        const a = decodeBase64(text);
        const b = withoutBuffer(() => decodeBase64(text));
        expect(Array.from(a)).toEqual(Array.from(bytes));
        expect(Array.from(b)).toEqual(Array.from(bytes));
        for (const x of [a, b]) expect(x.byteOffset === 0 && x.buffer.byteLength === bytes.length).toBe(true);
      }),
      { numRuns: 200 },
    );
    const module = decodeBase64(wasmBase64);
    expect(Array.from(module.subarray(0, 4))).toEqual([0x00, 0x61, 0x73, 0x6d]); // "\0asm"
    expect(Buffer.compare(Buffer.from(module), Buffer.from(withoutBuffer(() => decodeBase64(wasmBase64))))).toBe(0);
  });
});
