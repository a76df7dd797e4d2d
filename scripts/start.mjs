// `npm start`: run the bundled sample in the emulator with a few uprobes and print their trace.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';

const root = join(dirname(new URL(import.meta.url).pathname), '..');
const sample = join(root, 'samples', 'bin', 'hello');
const r = spawnSync(process.execPath, [join(root, 'dist', 'cli.js'), 'run', '--', sample], { stdio: 'inherit' });
process.exit(r.status ?? 1);
