// Extension-host tests (@vscode/test-cli). They need a VS Code binary: set VSCODE_EXECUTABLE to one;
// VS Code's own downloader cannot run offline. The end-to-end tests in a real workbench run through
// code-server instead (npm run test:e2e).
import { defineConfig } from '@vscode/test-cli';

export default defineConfig({
  files: 'out/test/extension-host/**/*.test.js',
  workspaceFolder: './samples',
  useInstallation: process.env.VSCODE_EXECUTABLE ? { fromPath: process.env.VSCODE_EXECUTABLE } : undefined,
});
