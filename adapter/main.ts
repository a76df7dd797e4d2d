// Entry point of dist/adapter.js: the Debug Adapter Protocol server over stdio, or on a TCP port with
// `--server=PORT`. The extension can instead run UprobeDebugSession in its own process.

import { DebugSession } from '@vscode/debugadapter';
import { UprobeDebugSession } from './session';
import { tuneV8ForBlocks } from '../engine/cpu/jit/tiering';

export { UprobeDebugSession };

// Only as a process of its own: inside VS Code's extension host V8 is not ours to tune.
if (require.main === module) {
  tuneV8ForBlocks();
  DebugSession.run(UprobeDebugSession);
}
