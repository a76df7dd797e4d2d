// `npm start`: run the bundled sample in the emulator with the probes of samples/fixups.uprobes and
// print their trace (the kernel's format) followed by the uprobe_profile.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';

const root = join(dirname(new URL(import.meta.url).pathname), '..');
const args = [join(root, 'dist', 'cli.js'), 'run', '--probes', 'samples/fixups.uprobes', '--trace', '-', '--profile',
  ...process.argv.slice(2), '--', 'samples/bin/fixups'];
const r = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: root });
// The sample ends with exit status 42 on purpose (the tests check that it comes through).
process.exit(r.status === 42 ? 0 : r.status ?? 1);
