// Sets up the end-to-end test in a real VS Code workbench, offline: code-server (VS Code served to a
// browser) from the npm registry into a cache folder (.e2e/, ignored by git), with @vscode/ripgrep's
// download replaced by the system's rg; then the extension bundled and packaged as a .vsix.
//
// Needs: Node 20 (code-server 4.100 requires it), ripgrep (`rg`), the Kerberos headers (libkrb5-dev, for
// a native module code-server builds) and, for the test itself, Chromium. On Debian:
//   apt-get install chromium libkrb5-dev ripgrep
// Environment: UPROBE_LAB_E2E_DIR (cache folder, default .e2e), UPROBE_LAB_VSIX (use this .vsix instead
// of packaging one).

import { spawnSync, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export const CODE_SERVER_VERSION = '4.100.3';
const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
export const e2eDir = resolve(process.env.UPROBE_LAB_E2E_DIR || join(root, '.e2e'));
const csPrefix = join(e2eDir, 'code-server');
export const codeServerBin = join(csPrefix, 'node_modules', '.bin', 'code-server');
const toolsPrefix = join(e2eDir, 'tools');
export const vsixPath = process.env.UPROBE_LAB_VSIX ? resolve(process.env.UPROBE_LAB_VSIX) : join(e2eDir, 'uprobe-lab.vsix');
/** Versions of tools the test needs when the project's devDependencies are not installed. */
const TOOLS = { 'playwright-core': '1.65.1', '@vscode/vsce': '3.9.2' };

function fail(msg) {
  console.error(`e2e-setup: ${msg}`);
  process.exit(1);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.status !== 0) fail(`${cmd} ${args.join(' ')} failed (${r.error?.message ?? `status ${r.status}`})`);
}

function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

function installedVersion(prefix, name) {
  try { return JSON.parse(readFileSync(join(prefix, 'node_modules', name, 'package.json'), 'utf8')).version; } catch { return undefined; }
}

/**
 * @vscode/ripgrep's postinstall downloads rg from GitHub, which cannot be reached here: put the system's
 * rg in the cache it looks in first, under the file name it would download, for the versions code-server
 * pulls in.
 */
function seedRipgrep() {
  const rg = which('rg');
  if (!rg) fail('ripgrep (rg) is needed to install code-server offline: apt-get install ripgrep');
  for (const v of ['1.15.11', '1.15.13', '1.15.14', '1.17.0', '1.17.1', '1.18.0']) {
    const d = join(tmpdir(), `vscode-ripgrep-cache-${v}`);
    const f = join(d, 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz');
    if (existsSync(f)) continue;
    mkdirSync(d, { recursive: true });
    execFileSync('tar', ['czf', f, '-C', dirname(rg), 'rg']);
  }
}

function setupCodeServer() {
  const have = installedVersion(csPrefix, 'code-server');
  const ok = have === CODE_SERVER_VERSION && existsSync(codeServerBin) &&
    existsSync(join(csPrefix, 'node_modules', 'code-server', 'lib', 'vscode', 'node_modules'));
  if (ok) { console.log(`e2e-setup: code-server ${have} (cached in ${csPrefix})`); return; }
  const major = Number(process.versions.node.split('.')[0]);
  if (major !== 20) fail(`code-server ${CODE_SERVER_VERSION} needs Node 20 (this is ${process.version})`);
  seedRipgrep();
  console.log(`e2e-setup: installing code-server ${CODE_SERVER_VERSION} into ${csPrefix} (about a minute)`);
  mkdirSync(csPrefix, { recursive: true });
  // code-server's postinstall installs VS Code's own modules (native ones are built here): let it run
  // where npm asks for install scripts to be allowed.
  writeFileSync(join(csPrefix, 'package.json'), JSON.stringify({ private: true, allowScripts: { 'code-server': true, argon2: true } }, null, 2) + '\n');
  run('npm', ['install', '--no-audit', '--no-fund', '--no-save', '--prefix', csPrefix, `code-server@${CODE_SERVER_VERSION}`], {
    env: { ...process.env, npm_config_yes: 'true', npm_config_unsafe_perm: 'true' },
  });
  if (!existsSync(join(csPrefix, 'node_modules', 'code-server', 'lib', 'vscode', 'node_modules'))) {
    fail('code-server installed without its VS Code modules (its postinstall did not run); see the npm output above');
  }
}

/** playwright-core and vsce: the project's devDependencies, else installed into the cache folder. */
function setupTools() {
  const req = createRequire(join(root, 'package.json'));
  const missing = [];
  for (const [name, version] of Object.entries(TOOLS)) {
    try { req.resolve(`${name}/package.json`); } catch {
      if (installedVersion(toolsPrefix, name) !== version) missing.push(`${name}@${version}`);
    }
  }
  if (!missing.length) return;
  console.log(`e2e-setup: installing ${missing.join(' ')} into ${toolsPrefix}`);
  mkdirSync(toolsPrefix, { recursive: true });
  run('npm', ['install', '--no-audit', '--no-fund', '--no-save', '--prefix', toolsPrefix, ...missing]);
}

/** The path of a tool's entry, from the project or the cache folder. */
export function resolveTool(spec) {
  for (const base of [join(root, 'package.json'), join(toolsPrefix, 'package.json')]) {
    try { return createRequire(base).resolve(spec); } catch { /* next */ }
  }
  return undefined;
}

function packageVsix() {
  if (process.env.UPROBE_LAB_VSIX) {
    if (!existsSync(vsixPath)) fail(`UPROBE_LAB_VSIX=${vsixPath} does not exist`);
    console.log(`e2e-setup: using ${vsixPath}`);
    return;
  }
  run(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root });
  const vsce = resolveTool('@vscode/vsce/vsce');
  if (!vsce) fail('@vscode/vsce is not installed');
  run(process.execPath, [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--skip-license',
    '--no-rewrite-relative-links', '--out', vsixPath], { cwd: root });
  console.log(`e2e-setup: ${vsixPath} (${Math.round(statSync(vsixPath).size / 1024)} KiB)`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  mkdirSync(e2eDir, { recursive: true });
  // The cache folder ignores itself, whatever the project's .gitignore says.
  writeFileSync(join(e2eDir, '.gitignore'), '*\n');
  setupCodeServer();
  setupTools();
  packageVsix();
}
