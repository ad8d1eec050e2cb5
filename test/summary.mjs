// Runs vitest and prints the plain closing line CI reads: "N passed, N failed".
import { spawnSync } from "node:child_process";
import { readFileSync, existsSync, rmSync } from "node:fs";

const out = ".vitest-results.json";
if (existsSync(out)) rmSync(out);
const args = ["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${out}`, ...process.argv.slice(2)];
const r = spawnSync("npx", args, { stdio: "inherit", env: { ...process.env, NO_COLOR: "1" } });
if (!existsSync(out)) {
  console.log("0 passed, 1 failed");
  process.exit(r.status || 1);
}
const j = JSON.parse(readFileSync(out, "utf8"));
const skipped = (j.numPendingTests ?? 0) + (j.numTodoTests ?? 0);
console.log(`${j.numPassedTests} passed, ${j.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
process.exit(r.status ?? 1);
