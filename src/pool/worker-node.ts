// The decode worker for Node's worker_threads. Built as dist/worker-node.js next
// to dist/index.js (a tsup entry); from source (tsx, vitest) node.ts starts it
// through worker-tsx.mjs, which registers tsx's loader in the worker first.
import { parentPort } from "node:worker_threads";
import { workerHandler } from "./worker-core.js";
import type { ToWorker } from "./protocol.js";

const port = parentPort;
if (!port) throw new Error("diskflux: src/pool/worker-node is a worker_threads entry; it does nothing on the main thread");
const handle = workerHandler((m, transfer) => port.postMessage(m, transfer));
port.on("message", (m: ToWorker) => handle(m));
