// Entry point of dist/adapter.js: the Debug Adapter Protocol server over stdio, or on a TCP port with
// `--server=PORT`. The extension can instead run UprobeDebugSession in its own process.

import { DebugSession } from '@vscode/debugadapter';
import { UprobeDebugSession } from './session';

export { UprobeDebugSession };

if (require.main === module) DebugSession.run(UprobeDebugSession);
