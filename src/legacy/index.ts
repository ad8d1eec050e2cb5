// The legacy decoder (`decoder=legacy`, spec §3.9): window tracking instead of
// the PLL, floppy FM/MFM only. decode() routes here; annotations come from
// walkLegacyAnnotations.
export { decodeLegacy } from "./decode.js";
export { walkLegacyAnnotations, LegacyAnnotationWriter } from "./annotate.js";
export { LegacyEngine, type LegacyAnnotator } from "./engine.js";
export { LegacyCore, CORE_BYTE, CORE_DONE, type CoreObserver } from "./core.js";
export { legacyParams, type LegacyParams } from "./params.js";
