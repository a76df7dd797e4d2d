#!/usr/bin/env node
// Grammar tests: runs vscode-tmgrammar-test over test/grammar/* with the three TextMate grammars in
// syntaxes/, after static checks that the test runner would not catch (a regex it never reaches,
// an include of a missing rule, package.json contributions that point at the wrong file).
// Exits non-zero on any failure. Usage: node scripts/test-grammars.mjs
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));

const GRAMMARS = [
  { language: 'gas-x86-64', scopeName: 'source.gas-x86-64', fixtures: ['.s', '.S'] },
  { language: 'uprobe-events', scopeName: 'source.uprobe-events', fixtures: ['.uprobes'] },
  { language: 'uprobe-trace', scopeName: 'text.uprobe-trace', fixtures: ['.trace'] },
];
const grammarPath = (g) => `syntaxes/${g.language}.tmLanguage.json`;
const configPath = (g) => `syntaxes/${g.language}.language-configuration.json`;

const problems = [];
const problem = (msg) => problems.push(msg);

function fail(msg) {
  console.error(`test-grammars: ${msg}`);
  process.exit(1);
}

function readJson(rel) {
  try {
    return JSON.parse(readFileSync(join(root, rel), 'utf8'));
  } catch (e) {
    problem(`${rel}: ${e.code === 'ENOENT' ? 'missing' : `not valid JSON (${e.message})`}`);
    return undefined;
  }
}

let toolDir;
try {
  toolDir = dirname(require.resolve('vscode-tmgrammar-test/package.json'));
} catch {
  fail('vscode-tmgrammar-test is not installed (it is a devDependency: run npm install)');
}
// vscode-oniguruma (the engine of vscode-textmate and VS Code) does not refuse a pattern it cannot
// compile: the rule then matches the empty string and silently breaks the rest of the line. So every
// pattern is also compiled as a JavaScript RegExp, after taking off a leading (?i); patterns that
// use Oniguruma-only syntax (atomic groups, possessive quantifiers, \G, \A, \z, \h, inline flags
// further in) cannot be checked that way and are left to the fixtures.
function regexError(src) {
  let body = src;
  let flags = '';
  const lead = /^\(\?([imx]+)\)/.exec(body);
  if (lead) {
    if (lead[1].includes('x')) return undefined;
    if (lead[1].includes('i')) flags = 'i';
    body = body.slice(lead[0].length);
  }
  if (/\(\?>|\(\?[imx-]+[:)]|[*+?}]\+|\\[GAzZhHRKX]|\\[pP]\{|\(\?~/.test(body)) return undefined;
  try {
    new RegExp(body, flags);
    return undefined;
  } catch (e) {
    return e.message;
  }
}

// Walk every rule: each pattern must compile, each local include must exist.
function checkGrammar(rel, grammar, expectedScope) {
  if (grammar.scopeName !== expectedScope) problem(`${rel}: scopeName is ${grammar.scopeName}, expected ${expectedScope}`);
  const repo = grammar.repository ?? {};
  const visit = (node, where) => {
    if (Array.isArray(node)) { node.forEach((n, i) => visit(n, `${where}[${i}]`)); return; }
    if (!node || typeof node !== 'object') return;
    for (const key of ['match', 'begin', 'end', 'while']) {
      if (typeof node[key] !== 'string') continue;
      const err = regexError(node[key]);
      if (err) problem(`${rel}: ${where}.${key} does not compile: ${err}`);
    }
    if (typeof node.include === 'string' && node.include.startsWith('#') && !(node.include.slice(1) in repo)) {
      problem(`${rel}: ${where} includes ${node.include}, which the repository lacks`);
    }
    for (const [k, v] of Object.entries(node)) if (typeof v === 'object') visit(v, `${where}.${k}`);
  };
  visit(grammar, '$');
}

// VS Code compiles these language-configuration patterns as JavaScript regexes.
function checkConfig(rel, config) {
  if (!config.comments?.lineComment) problem(`${rel}: no comments.lineComment`);
  const regexes = [
    ['wordPattern', config.wordPattern],
    ['folding.markers.start', config.folding?.markers?.start],
    ['folding.markers.end', config.folding?.markers?.end],
    ...(config.onEnterRules ?? []).flatMap((r, i) => [[`onEnterRules[${i}].beforeText`, r.beforeText], [`onEnterRules[${i}].afterText`, r.afterText]]),
  ];
  for (const [name, re] of regexes) {
    if (re === undefined) continue;
    try { new RegExp(re); } catch (e) { problem(`${rel}: ${name} is not a valid regex: ${e.message}`); }
  }
}

// The contributions in package.json must name these grammars, scopes and configuration files.
function checkPackageJson() {
  const pkg = readJson('package.json');
  if (!pkg) return;
  const langs = pkg.contributes?.languages ?? [];
  const grams = pkg.contributes?.grammars ?? [];
  for (const g of GRAMMARS) {
    const lang = langs.find((l) => l.id === g.language);
    if (!lang) { problem(`package.json: contributes.languages has no "${g.language}"`); continue; }
    if (!lang.configuration || join(root, lang.configuration) !== join(root, configPath(g))) {
      problem(`package.json: language ${g.language} configuration is ${lang.configuration}, expected ./${configPath(g)}`);
    }
    const gram = grams.find((x) => x.language === g.language);
    if (!gram) { problem(`package.json: contributes.grammars has no grammar for "${g.language}"`); continue; }
    if (gram.scopeName !== g.scopeName) problem(`package.json: grammar for ${g.language} has scopeName ${gram.scopeName}, expected ${g.scopeName}`);
    if (join(root, gram.path) !== join(root, grammarPath(g))) problem(`package.json: grammar for ${g.language} has path ${gram.path}, expected ./${grammarPath(g)}`);
  }
}

for (const g of GRAMMARS) {
  const grammar = readJson(grammarPath(g));
  if (grammar) checkGrammar(grammarPath(g), grammar, g.scopeName);
  const config = readJson(configPath(g));
  if (config) checkConfig(configPath(g), config);
}
checkPackageJson();

const fixtureDir = join(root, 'test', 'grammar');
const fixtures = existsSync(fixtureDir) ? readdirSync(fixtureDir).sort() : [];
for (const g of GRAMMARS) {
  if (!fixtures.some((f) => g.fixtures.some((ext) => f.endsWith(ext)))) {
    problem(`test/grammar: no fixture for ${g.language} (${g.fixtures.join(', ')})`);
  }
}
for (const p of problems) console.error(`✖ ${p}`);

// The unit-test run. The scope a fixture is tested with comes from its first line.
const exts = [...new Set(GRAMMARS.flatMap((g) => g.fixtures))];
const cases = fixtures.filter((f) => exts.some((ext) => f.endsWith(ext)));
let passed = 0;
if (cases.length) {
  const args = [
    join(toolDir, 'dist', 'unit.js'),
    ...GRAMMARS.flatMap((g) => ['-g', grammarPath(g)]),
    ...exts.map((ext) => `test/grammar/*${ext}`),
  ];
  const run = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
  if (run.error) fail(`could not run vscode-tmgrammar-test: ${run.error.message}`);
  process.stdout.write(run.stdout);
  process.stderr.write(run.stderr);
  const plain = run.stdout.replace(/\x1b\[[0-9;]*m/g, '');
  passed = (plain.match(/ run successfuly\.$/gm) ?? []).length;
  if (run.status !== 0 && passed === cases.length) passed--; // failed without saying which: count one
}
// Each fixture counts once; each failed static check counts as one more failure.
const failed = cases.length - passed + problems.length;
console.log(`grammars: ${passed} passed, ${failed} failed`);
if (problems.length) console.error(`test-grammars: ${problems.length} static check(s) failed (the lines marked ✖ above)`);
process.exit(failed === 0 ? 0 : 1);
