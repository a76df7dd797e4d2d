// `npm run test:e2e`: the end-to-end test in a real VS Code workbench (test/e2e/). Run
// scripts/e2e-setup.mjs first (npm's test:e2e script does): it installs code-server and packages the
// .vsix. Compiles the tests, then runs the e2e ones with node's test runner.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const root = join(dirname(new URL(import.meta.url).pathname), '..');
const require = createRequire(join(root, 'package.json'));
const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);
const r = spawnSync(process.execPath, ['--test', '--test-timeout=300000', join('out', 'test', 'e2e')], {
  cwd: root, stdio: 'inherit', env: { ...process.env, UPROBE_LAB_E2E: '1' }, timeout: 330_000,
});
process.exit(r.status ?? 1);
