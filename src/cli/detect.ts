// `diskflux detect`: the option string of captures nobody described.
//
//   diskflux detect hdd_rll_WD1006V-SR2.sr
//   data_rate=7500000:format=RLL_WD:header_format=3:…          (stdout: ready for -P mfm:)
//   diskflux: confidence high: …                                (stderr)
//
//   diskflux detect t0.sr t1.sr -P mfm:format=RLL_WD --json    (given options narrow the search)
import { DiskfluxError } from "../errors.js";
import { quoteArg } from "../escape.js";
import { parseCommand, rateArg, runCommand } from "./run.js";

export const DETECT_USAGE = `usage: diskflux detect <capture>... [-P mfm:<partial options>] [--json] [--backend wasm|js|auto]
  Finds data_rate, format, header_format, sector_size and the header and data CRC size,
  polynomial and init (solved from the records when no known one fits), and says how sure it is.
  Captures of one drive are detected together (more records, more evidence; the first 8 are read).
  stdout: the option string, ready for 'diskflux decode -P mfm:<it>' or sigrok-cli -P mfm:<it>
  -P mfm:KEY=VALUE:...   options you know: kept, and they narrow the search (KEY=auto asks for it)
  --json                 the options, confidence and evidence (histogram peaks, candidates tried
                         with their ID/data CRC-OK counts, CRC parameters and how they were found)
  --rate HZ              sample rate of CSV/VCD captures that do not state one
  exit status: 0 found (a low confidence is a warning on stderr), 1 no FM/MFM/RLL track, 2 usage`;

type Out = NodeJS.WritableStream;

export async function detectCommand(argv: string[], out: Out = process.stdout, err: Out = process.stderr): Promise<number> {
  return runCommand(argv, err, async () => {
    const { values, positionals } = parseCommand("detect", argv, {
      "protocol-decoder": { type: "string", short: "P" },
      json: { type: "boolean" },
      rate: { type: "string" },
      backend: { type: "string" },
    });
    if (values.help) {
      out.write(DETECT_USAGE + "\n");
      return 0;
    }
    const pd = values["protocol-decoder"];
    if (pd !== undefined && pd !== "mfm" && !pd.startsWith("mfm:")) {
      throw new DiskfluxError("E_USAGE", `protocol decoder ${quoteArg(pd.split(":")[0])} not found; diskflux provides 'mfm' (-P mfm:<options>)`);
    }
    if (positionals.length === 0) throw new DiskfluxError("E_USAGE", "detect needs at least one capture: diskflux detect <capture>...");
    const backend = (values.backend ?? "auto") as "wasm" | "js" | "auto";
    if (!["wasm", "js", "auto"].includes(backend)) throw new DiskfluxError("E_USAGE", `--backend must be wasm, js or auto, not ${quoteArg(backend)}`);
    const rate = rateArg("--rate", values.rate);
    const { detectionCaptures } = await import("./auto.js");
    const { detect } = await import("../detect/detect.js");
    const captures = await detectionCaptures(positionals, rate !== undefined ? { rate } : {});
    const found = await detect(captures, pd ?? "auto", { backend });
    if (values.json) {
      out.write(JSON.stringify({ optionString: found.optionString, options: found.options, confidence: found.confidence, evidence: found.evidence }, null, 2) + "\n");
    } else {
      out.write(found.optionString + "\n");
    }
    const e = found.evidence;
    const how = (c: typeof e.headerCrc, what: string) =>
      c ? `${what} CRC ${c.width}-bit ${c.poly} init ${c.init} (${c.source}) verifies ${c.matches} of ${c.total} distinct records` : `${what} CRC not found`;
    err.write(`diskflux: confidence ${found.confidence}: ${how(e.headerCrc, "header")}; ${how(e.dataCrc, "data")}\n`);
    if (found.confidence === "low") err.write(`diskflux: warning: a low-confidence guess: ${e.missing.join("; ")}\n`);
    return 0;
  });
}
