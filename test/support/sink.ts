// A writable that keeps what main() writes (stdout or stderr), for CLI tests.

/** A stream for main()'s out/err that collects every chunk; bytes() joins them. */
export function byteSink(): { stream: NodeJS.WritableStream; bytes: () => Buffer } {
  const chunks: Buffer[] = [];
  return {
    stream: { write: (c: string | Uint8Array) => (chunks.push(Buffer.from(c as Uint8Array)), true) } as unknown as NodeJS.WritableStream,
    bytes: () => Buffer.concat(chunks),
  };
}
