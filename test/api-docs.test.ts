// API docs: every value export of the public API (src/index.ts, through its
// `export … from` lines and src/api.ts's) has an @example in the JSDoc block
// right above its declaration, and every @example type-checks against the
// sources, as a user would write it (`import { … } from "diskflux"`).
//
// Exports are resolved syntactically (no program needed to find them); the
// examples are then compiled together as virtual modules in test/ by one
// TypeScript program with the repo's tsconfig options (module ES2022, so top-level
// await works). Only the examples' own diagnostics count: `tsc --noEmit` covers src.
import { describe, it, expect } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const TEST_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(TEST_DIR, "..");
const ENTRY = join(ROOT, "src/index.ts");
const ENTRY_SPEC = "../src/index.js";
const BROWSER_SPEC = "../src/browser.js";

const posix = (p: string) => p.replace(/\\/g, "/");
const rel = (p: string) => posix(relative(ROOT, p));

const parsed = new Map<string, ts.SourceFile>();
function sourceOf(file: string): ts.SourceFile {
  let sf = parsed.get(file);
  if (!sf) {
    sf = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
    parsed.set(file, sf);
  }
  return sf;
}

/** "./x.js" from `from` → the .ts file it names. */
function resolveSpec(from: string, spec: string): string {
  const base = resolve(dirname(from), spec.replace(/\.js$/, ""));
  for (const f of [`${base}.ts`, `${base}.tsx`, join(base, "index.ts")]) if (existsSync(f)) return f;
  throw new Error(`${rel(from)}: cannot resolve ${spec}`);
}

const specOf = (d: ts.ExportDeclaration | ts.ImportDeclaration) =>
  d.moduleSpecifier && ts.isStringLiteral(d.moduleSpecifier) ? d.moduleSpecifier.text : undefined;
const isExported = (s: ts.Statement) =>
  ts.canHaveModifiers(s) && (ts.getModifiers(s) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);

/** Names a module exports as values (type-only exports left out), `export *` followed. */
function valueExportNames(file: string, seen = new Set<string>()): string[] {
  if (seen.has(file)) return [];
  seen.add(file);
  const names: string[] = [];
  for (const s of sourceOf(file).statements) {
    if (ts.isExportDeclaration(s)) {
      if (s.isTypeOnly) continue;
      const spec = specOf(s);
      if (!s.exportClause) {
        if (spec) names.push(...valueExportNames(resolveSpec(file, spec), seen));
      } else if (ts.isNamespaceExport(s.exportClause)) {
        names.push(s.exportClause.name.text);
      } else {
        for (const el of s.exportClause.elements) if (!el.isTypeOnly) names.push(el.name.text);
      }
    } else if (isExported(s)) {
      if ((ts.isFunctionDeclaration(s) || ts.isClassDeclaration(s)) && s.name) names.push(s.name.text);
      else if (ts.isVariableStatement(s)) {
        for (const d of s.declarationList.declarations) if (ts.isIdentifier(d.name)) names.push(d.name.text);
      }
    }
  }
  return [...new Set(names)];
}

interface Declaration {
  file: string;
  /** The statement the JSDoc belongs to; undefined for a type (interface, type alias). */
  statement?: ts.Statement;
}

/** A top-level function, class or variable statement named `name`, exported or not. */
function localStatement(sf: ts.SourceFile, name: string, exportedOnly: boolean): ts.Statement | undefined {
  for (const s of sf.statements) {
    if (exportedOnly && !isExported(s)) continue;
    if ((ts.isFunctionDeclaration(s) || ts.isClassDeclaration(s)) && s.name?.text === name) return s; // the first overload carries the doc
    if (ts.isVariableStatement(s) && s.declarationList.declarations.some((d) => ts.isIdentifier(d.name) && d.name.text === name)) return s;
  }
  return undefined;
}

function isTypeDeclaration(sf: ts.SourceFile, name: string): boolean {
  return sf.statements.some((s) => (ts.isInterfaceDeclaration(s) || ts.isTypeAliasDeclaration(s)) && s.name.text === name);
}

/** Follows re-exports and imports from `file` to where `name` is declared. */
function findDeclaration(file: string, name: string, depth = 0): Declaration | undefined {
  if (depth > 20) throw new Error(`re-export cycle at ${rel(file)} ${name}`);
  const sf = sourceOf(file);
  const own = localStatement(sf, name, true);
  if (own) return { file, statement: own };
  for (const s of sf.statements) {
    if (!ts.isExportDeclaration(s) || !s.exportClause || !ts.isNamedExports(s.exportClause)) continue;
    const el = s.exportClause.elements.find((e) => e.name.text === name);
    if (!el) continue;
    const local = (el.propertyName ?? el.name).text;
    const spec = specOf(s);
    if (spec) return findDeclaration(resolveSpec(file, spec), local, depth + 1);
    return findLocal(file, local, depth + 1);
  }
  if (isTypeDeclaration(sf, name)) return { file };
  for (const s of sf.statements) {
    if (!ts.isExportDeclaration(s) || s.exportClause) continue;
    const spec = specOf(s);
    const found = spec ? findDeclaration(resolveSpec(file, spec), name, depth + 1) : undefined;
    if (found) return found;
  }
  return undefined;
}

/** `export { local }` without `from`: a declaration in the file or an import. */
function findLocal(file: string, local: string, depth: number): Declaration | undefined {
  const sf = sourceOf(file);
  const s = localStatement(sf, local, false);
  if (s) return { file, statement: s };
  if (isTypeDeclaration(sf, local)) return { file };
  for (const imp of sf.statements) {
    if (!ts.isImportDeclaration(imp) || !imp.importClause?.namedBindings || !ts.isNamedImports(imp.importClause.namedBindings)) continue;
    const el = imp.importClause.namedBindings.elements.find((e) => e.name.text === local);
    const spec = specOf(imp);
    if (el && spec) return findDeclaration(resolveSpec(file, spec), (el.propertyName ?? el.name).text, depth + 1);
  }
  return undefined;
}

/** The JSDoc block directly above a statement (the last comment before it, if it is a /** block). */
function jsdocAbove(sf: ts.SourceFile, s: ts.Statement): { text: string; pos: number } | undefined {
  const ranges = ts.getLeadingCommentRanges(sf.text, s.pos) ?? [];
  const last = ranges[ranges.length - 1];
  if (!last || last.kind !== ts.SyntaxKind.MultiLineCommentTrivia) return undefined;
  const text = sf.text.slice(last.pos, last.end);
  return text.startsWith("/**") && !text.startsWith("/**/") ? { text, pos: last.pos } : undefined;
}

interface Example {
  name: string;
  /** Where the example's first code line is, file:line. */
  where: string;
  code: string;
}

/**
 * The code of each @example in a JSDoc block: the lines after the tag up to the
 * next block tag, ``` fences dropped. Text on the tag's own line is a caption (TSDoc).
 */
function examplesOf(doc: { text: string; pos: number }, sf: ts.SourceFile, name: string): Example[] {
  const firstLine = sf.getLineAndCharacterOfPosition(doc.pos).line;
  const lines = doc.text.replace(/^\/\*\*/, "").replace(/\*\/$/, "").split("\n").map((l) => l.replace(/^\s*\* ?/, ""));
  const out: Example[] = [];
  let current: { start: number; code: string[] } | undefined;
  const close = () => {
    if (current) {
      out.push({ name, where: `${rel(sf.fileName)}:${firstLine + current.start + 1}`, code: current.code.join("\n").trim() });
      current = undefined;
    }
  };
  lines.forEach((line, i) => {
    const tag = /^\s*@(\w+)/.exec(line);
    if (tag) {
      close();
      if (tag[1] === "example") current = { start: i + 1, code: [] };
    } else if (current && !/^\s*```/.test(line)) {
      current.code.push(line);
    }
  });
  close();
  return out;
}

// ---- what the public API is ----

const exportNames = valueExportNames(ENTRY);
const missing: string[] = [];
const unresolved: string[] = [];
const examples: Example[] = [];
for (const name of exportNames) {
  const decl = findDeclaration(ENTRY, name);
  if (!decl) {
    unresolved.push(name);
    continue;
  }
  if (!decl.statement) continue; // a type re-exported without `type`: not a value
  const sf = sourceOf(decl.file);
  const doc = jsdocAbove(sf, decl.statement);
  const found = doc && /@example\b/.test(doc.text) ? examplesOf(doc, sf, name) : [];
  if (found.length === 0 || found.some((e) => e.code === "")) missing.push(`${name} (${rel(decl.file)})`);
  examples.push(...found.filter((e) => e.code !== ""));
}

// ---- the examples as modules ----

const PRELUDE_NAMESPACE = `import * as diskflux from "${ENTRY_SPEC}";`;

/** The example as a module of its own: `diskflux` resolves to the sources. */
function exampleModule(e: Example): { text: string; codeLine: number } {
  const code = e.code
    .replace(/(from\s+|import\s*\(\s*)(["'])diskflux\/browser\2/g, `$1"${BROWSER_SPEC}"`)
    .replace(/(from\s+|import\s*\(\s*)(["'])diskflux\2/g, `$1"${ENTRY_SPEC}"`);
  const head = [`// @example of ${e.name}, ${e.where}`];
  if (!/\bimport\s+\*\s+as\s+diskflux\b/.test(code)) head.push(PRELUDE_NAMESPACE);
  // An example that imports nothing from diskflux uses the names as if imported.
  if (!code.includes(`"${ENTRY_SPEC}"`) && !code.includes(`"${BROWSER_SPEC}"`)) {
    head.push(`import { ${exportNames.join(", ")} } from "${ENTRY_SPEC}";`);
  }
  return { text: `${head.join("\n")}\n${code}\nexport {};\n`, codeLine: head.length };
}

function compilerOptions(): ts.CompilerOptions {
  const configPath = join(ROOT, "tsconfig.json");
  const config = ts.readConfigFile(configPath, ts.sys.readFile);
  if (config.error) throw new Error(ts.flattenDiagnosticMessageText(config.error.messageText, "\n"));
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT, undefined, configPath);
  return { ...options, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ES2022 };
}

/** Compiles every example in one program; returns one line per diagnostic. */
function checkExamples(list: readonly Example[]): string[] {
  const options = compilerOptions();
  const virtual = new Map<string, { example: Example; text: string; codeLine: number }>();
  list.forEach((e, i) => {
    const file = posix(join(TEST_DIR, `__api-docs-example-${i}-${e.name}.ts`));
    virtual.set(file, { example: e, ...exampleModule(e) });
  });
  const host = ts.createCompilerHost(options, true);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (f) => virtual.has(posix(f)) || fileExists.call(host, f);
  host.readFile = (f) => virtual.get(posix(f))?.text ?? readFile.call(host, f);
  host.getSourceFile = (f, lang, onError, create) => {
    const v = virtual.get(posix(f));
    return v ? ts.createSourceFile(f, v.text, lang, true, ts.ScriptKind.TS) : getSourceFile.call(host, f, lang, onError, create);
  };
  const program = ts.createProgram({ rootNames: [...virtual.keys()], options, host });
  const problems: string[] = [];
  const format = (d: ts.Diagnostic) => ts.flattenDiagnosticMessageText(d.messageText, "\n  ");
  for (const d of [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()]) problems.push(`(program) TS${d.code}: ${format(d)}`);
  for (const [file, v] of virtual) {
    const sf = program.getSourceFile(file);
    if (!sf) {
      problems.push(`${v.example.name} (${v.example.where}): not in the program`);
      continue;
    }
    for (const d of [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)]) {
      const line = d.start === undefined ? 0 : sf.getLineAndCharacterOfPosition(d.start).line;
      const at = line >= v.codeLine ? `example line ${line - v.codeLine + 1}` : "prelude";
      const src = sf.text.split("\n")[line]?.trim() ?? "";
      problems.push(`${v.example.name} (${v.example.where}), ${at}: TS${d.code}: ${format(d)}\n    ${src}`);
    }
  }
  return problems;
}

describe("API docs", () => {
  it("finds the public API", () => {
    expect(unresolved, `exports whose declaration was not found: ${unresolved.join(", ")}`).toEqual([]);
    expect(exportNames).toContain("decode");
    expect(exportNames).toContain("readCaptureFile");
    expect(exportNames).not.toContain("DecodeResult"); // a type
  });

  it("every public value export has an @example", () => {
    expect(missing, `${missing.length} of ${exportNames.length} public exports have no @example in the JSDoc right above their declaration:\n  ${missing.join("\n  ")}\n`).toEqual([]);
  });

  it("every @example type-checks", () => {
    expect(examples.length).toBeGreaterThan(0);
    const problems = checkExamples(examples);
    expect(problems, `${problems.length} diagnostics in the @examples:\n${problems.join("\n")}\n`).toEqual([]);
  });
});
