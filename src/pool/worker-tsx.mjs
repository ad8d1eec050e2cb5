// Starts the Node decode worker from source (under tsx or vitest, where the pool
// module itself is a .ts file): a worker_threads entry cannot be a .ts file, even
// when the parent runs with tsx's loader, so this plain module registers tsx in
// the worker's thread and then imports worker-node.ts (workerData.entry).
// Built code never uses it: dist/ has worker-node.js (see node.ts).
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
await import(workerData.entry);
