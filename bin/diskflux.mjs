#!/usr/bin/env node
// The installed `diskflux` command: runs the built CLI (npm run build writes dist/).
import { main } from "../dist/cli.js";
main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
