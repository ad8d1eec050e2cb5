// A Wasm module's bytes from the base64 text the build embeds (build/*-wasm.ts).
// Node decodes base64 natively (Buffer); elsewhere atob and a byte loop. The
// byte loop took 1.8-2.5 ms a module at every start of the CLI and of each of
// its worker threads (profiled, 2026-11-27); Buffer takes a few microseconds.

/** The bytes of base64 text, in an ArrayBuffer of their own (WebAssembly.compile takes it). */
export function decodeBase64(s: string): Uint8Array<ArrayBuffer> {
  const NodeBuffer = (globalThis as { Buffer?: { from(s: string, enc: "base64"): Uint8Array } }).Buffer;
  if (NodeBuffer) {
    const b = NodeBuffer.from(s, "base64");
    // (a copy of its own: a small Buffer may sit in Node's shared pool)
    return new Uint8Array(b);
  }
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
