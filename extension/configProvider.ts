// Debug configurations of type `uprobe`: the initial launch.json, F5 without a launch.json (the program
// built from the file in the editor, or an offer to build it), the settings' defaults, and the
// extension's own attribute `probesFile` (definitions read from a .uprobes file).

import * as vscode from 'vscode';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findProgram, buildPlan, runBuild, isSourceFile } from './programs';
import { readProbesFile, absolutizeDef } from './probeDefs';

export class UprobeConfigurationProvider implements vscode.DebugConfigurationProvider {
  constructor(private log: vscode.OutputChannel) {}

  provideDebugConfigurations(folder: vscode.WorkspaceFolder | undefined): vscode.DebugConfiguration[] {
    const ed = vscode.window.activeTextEditor;
    const program = ed && isSourceFile(ed.document.fileName, ed.document.languageId)
      ? '${workspaceFolder}/bin/${fileBasenameNoExtension}' : '${workspaceFolder}/a.out';
    return [{
      type: 'uprobe', request: 'launch', name: 'Uprobe Lab: launch',
      program, cwd: folder ? '${workspaceFolder}' : undefined, stopOnEntry: false, probes: [],
    }];
  }

  async resolveDebugConfiguration(folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): Promise<vscode.DebugConfiguration | undefined | null> {
    if (!config.type && !config.request && !config.name) {
      // F5 with no launch.json: debug the program built from the file in the editor.
      const made = await this.fromEditor(folder);
      if (!made) return undefined;
      config = made;
    } else if (config.type === 'uprobe' && !config.program && typeof config.source === 'string') {
      // "Debug this file": a configuration that names the source instead of the program.
      const made = await this.fromSource(folder, config.source);
      if (!made) return undefined;
      config = { ...made, ...config, program: made.program, cwd: config.cwd ?? made.cwd };
      delete config.source;
    }
    if (config.type !== 'uprobe') return config;
    const settings = vscode.workspace.getConfiguration('uprobeLab', folder);
    config.request ??= 'launch';
    config.model ??= settings.get<string>('model', 'current');
    config.disassemblySyntax ??= settings.get<string>('disassemblySyntax', 'att');
    config.xolStepping ??= settings.get<boolean>('xolStepping', true);
    return config;
  }

  async resolveDebugConfigurationWithSubstitutedVariables(folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): Promise<vscode.DebugConfiguration | undefined | null> {
    if (config.type !== 'uprobe') return config;
    if (config.request !== 'launch') {
      void vscode.window.showErrorMessage(`Uprobe Lab: only "request": "launch" is supported (the emulator runs the program itself).`);
      return undefined;
    }
    if (typeof config.program !== 'string' || !config.program) {
      return this.fail('"program" is missing: the path of a static x86-64 ELF executable.');
    }
    const cwd = typeof config.cwd === 'string' && config.cwd ? config.cwd : folder?.uri.fsPath ?? path.dirname(path.resolve(config.program));
    config.cwd = cwd;
    const prog = path.resolve(cwd, config.program);
    if (!fs.existsSync(prog)) {
      return this.fail(`program ${prog} does not exist. Build it first (for assembly: as -g, ld -static).`);
    }
    const probes: string[] = Array.isArray(config.probes) ? config.probes.map(String) : [];
    const files: string[] = typeof config.probesFile === 'string' ? [config.probesFile]
      : Array.isArray(config.probesFile) ? config.probesFile.map(String) : [];
    for (const f of files) {
      const file = path.resolve(cwd, f);
      try { probes.push(...readProbesFile(file, cwd)); } catch (e) {
        return this.fail(`cannot read probesFile ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
    }
    config.probes = probes.map(p => absolutizeDef(p, [cwd]));
    return config;
  }

  private fail(msg: string): undefined {
    void vscode.window.showErrorMessage(`Uprobe Lab: ${msg}`, 'Open launch.json').then(a => {
      if (a) void vscode.commands.executeCommand('debug.addConfiguration');
    });
    return undefined;
  }

  /** A configuration for the file in the active editor, building its program when asked to. */
  private async fromEditor(folder: vscode.WorkspaceFolder | undefined): Promise<vscode.DebugConfiguration | undefined> {
    const ed = vscode.window.activeTextEditor;
    if (!ed || ed.document.uri.scheme !== 'file' || !isSourceFile(ed.document.fileName, ed.document.languageId)) {
      void vscode.window.showInformationMessage('Uprobe Lab: open an assembly or C source file (or add a launch.json) to start debugging.');
      return undefined;
    }
    return this.fromSource(folder, ed.document.fileName);
  }

  /** A configuration for the program built from `src`, building it when asked to. */
  private async fromSource(folder: vscode.WorkspaceFolder | undefined, src: string): Promise<vscode.DebugConfiguration | undefined> {
    const doc = vscode.workspace.textDocuments.find(d => d.fileName === src);
    if (doc?.isDirty) await doc.save();
    const ws = folder?.uri.fsPath ?? vscode.workspace.getWorkspaceFolder(vscode.Uri.file(src))?.uri.fsPath;
    const found = await findProgram(src, ws);
    const plan = buildPlan(src);
    let program = found?.program;
    if (!found || found.stale) {
      if (!plan) {
        if (!found) {
          void vscode.window.showErrorMessage(`Uprobe Lab: no program built from ${path.basename(src)} was found (looked beside it, in bin/ and build/), and no assembler/compiler is installed to build one.`);
          return undefined;
        }
      } else {
        const build = `Build (${plan.describe})`;
        const pick = found
          ? await vscode.window.showWarningMessage(`${path.basename(found.program)} is older than ${path.basename(src)}.`, build, 'Debug the old build')
          : await vscode.window.showInformationMessage(`No program built from ${path.basename(src)} was found.`, { modal: false }, build);
        if (pick === build) {
          try {
            this.log.appendLine(`Building ${src}`);
            await runBuild(plan, path.dirname(src), s => this.log.append(s));
            program = plan.output;
          } catch (e) {
            this.log.show(true);
            void vscode.window.showErrorMessage(`Uprobe Lab: ${(e as Error).message}`);
            return undefined;
          }
        } else if (!found || pick === undefined) {
          return undefined;
        }
      }
    }
    if (!program) return undefined;
    return {
      type: 'uprobe', request: 'launch', name: `Uprobe Lab: ${path.basename(program)}`,
      program, cwd: ws ?? path.dirname(program), stopOnEntry: false,
    };
  }
}
