// Bundles the CLI, the debug adapter and the extension into dist/ with esbuild, and copies iced-x86's
// wasm beside them (iced-x86 loads it from the bundle's own folder).
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const root = join(dirname(new URL(import.meta.url).pathname), '..');
const out = join(root, 'dist');
mkdirSync(out, { recursive: true });

const entries = [
  ['engine/cli/bin.ts', 'cli.js'],
  ['adapter/main.ts', 'adapter.js'],
  ['extension/extension.ts', 'extension.js'],
  // the trace printer thread's script, which the CLI starts from beside itself
  ['engine/trace/printer-worker.ts', 'printer-worker.js'],
].filter(([src]) => existsSync(join(root, src)));

await Promise.all(entries.map(([src, dst]) => build({
  banner: dst === 'cli.js' || dst === 'adapter.js' ? { js: '#!/usr/bin/env node' } : undefined,
  entryPoints: [join(root, src)],
  outfile: join(out, dst),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  external: ['vscode'],
  logLevel: 'warning',
})));
copyFileSync(join(dirname(require.resolve('iced-x86')), 'iced_x86_bg.wasm'), join(out, 'iced_x86_bg.wasm'));
