// The decode worker for browsers (a module Web Worker). web.ts starts it with
// `new Worker(new URL("./worker-web.js", import.meta.url), { type: "module" })`:
// vite resolves that to this file from source and bundles it as a worker; a
// library build must emit it as worker-web.js beside the browser bundle.
// Nothing here reaches a Node built-in.
import { workerHandler } from "./worker-core.js";
import type { ToWorker } from "./protocol.js";

interface WorkerScope {
  postMessage(message: unknown, transfer: Transferable[]): void;
  onmessage: ((ev: MessageEvent<ToWorker>) => void) | null;
}

const scope = globalThis as unknown as WorkerScope;
const handle = workerHandler((m, transfer) => scope.postMessage(m, transfer));
// Set synchronously at the top level: messages that arrive before it would be lost.
scope.onmessage = (ev) => handle(ev.data);
