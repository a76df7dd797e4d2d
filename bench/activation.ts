// Run by bench/run.ts in a fresh Node process: `node out/bench/activation.js EXTENSION_JS ROOT`.
// Makes `require('vscode')` answer with the stub of bench/vscode-stub.ts, then times what VS Code's
// extension host would spend on us: requiring the extension's bundle and calling activate(). Prints
// one JSON line { ms, subscriptions }.

import Module = require('node:module');
import { stubModule, stubContext } from './vscode-stub';

const [file, root] = process.argv.slice(2);
if (!file || !root) { console.error('usage: activation.js EXTENSION_JS ROOT'); process.exit(2); }

const vscode = stubModule();
const loader = Module as unknown as { _load(request: string, parent: unknown, isMain: boolean): unknown };
const load = loader._load;
loader._load = function (this: unknown, request: string, parent: unknown, isMain: boolean): unknown {
  return request === 'vscode' ? vscode : load.call(this, request, parent, isMain);
};

const ctx = stubContext(root);
const t0 = performance.now();
const ext = require(file) as { activate(c: unknown): unknown };
ext.activate(ctx);
const ms = performance.now() - t0;
process.stdout.write(JSON.stringify({ ms, subscriptions: ctx.subscriptions.length }) + '\n');
process.exit(0); // whatever activate() left scheduled
