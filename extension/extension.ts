// Uprobe Lab's VS Code extension: the `uprobe` debugger (its adapter runs in the extension host, loaded
// from dist/adapter.js on the first session, so activation stays light), the launch configuration
// provider, the Uprobes, XOL and Consumer Output views, hit counts in the editor, and the commands.

import * as vscode from 'vscode';
import * as path from 'node:path';
import type { UprobeDebugSession } from '../adapter/session';
import { Sessions } from './sessions';
import { UprobeConfigurationProvider } from './configProvider';
import { TraceStore } from './traceStore';
import { ProbesModel, ProbesTree, registerProbeCommands, Node } from './probesView';
import { HitDecorations } from './hitDecorations';
import { XolViewProvider, XOL_VIEW } from './xolView';
import { OutputViewProvider, OUTPUT_VIEW, writeTrace } from './outputView';
import { buildPlan, runBuild, isSourceFile } from './programs';
import { SourceMapper } from './sourceMap';
import { MappedAdapter } from './mappedAdapter';

export const PROBES_VIEW = 'uprobeLab.probes';

/** What activate() returns (used by the extension-host tests). */
export interface UprobeLabApi {
  sessions: Sessions;
  traces: TraceStore;
  probes: ProbesModel;
  xol: XolViewProvider;
}

export function activate(ctx: vscode.ExtensionContext): UprobeLabApi {
  const log = vscode.window.createOutputChannel('Uprobe Lab');
  const media = vscode.Uri.joinPath(ctx.extensionUri, 'media');
  const sessions = new Sessions();
  const traces = new TraceStore();
  const probes = new ProbesModel(ctx, sessions, traces);
  const tree = new ProbesTree(probes);
  const treeView = vscode.window.createTreeView<Node>(PROBES_VIEW, { treeDataProvider: tree, showCollapseAll: true, canSelectMany: true });
  const xol = new XolViewProvider(media, sessions, probes);
  const output = new OutputViewProvider(media, sessions, traces, probes);
  const hits = new HitDecorations(probes);
  traces.onAppend(() => probes.refresh());

  ctx.subscriptions.push(
    log, sessions, traces, probes, treeView, xol, output, hits,
    vscode.debug.registerDebugConfigurationProvider('uprobe', new UprobeConfigurationProvider(log)),
    vscode.debug.registerDebugConfigurationProvider('uprobe', {
      provideDebugConfigurations: (folder) => dynamicConfigurations(folder),
    }, vscode.DebugConfigurationProviderTriggerKind.Dynamic),
    vscode.debug.registerDebugAdapterDescriptorFactory('uprobe', {
      createDebugAdapterDescriptor: (session) => {
        const da = loadAdapter(ctx);
        const roots = [session.configuration.cwd, ...(vscode.workspace.workspaceFolders ?? []).map(f => f.uri.fsPath)]
          .filter((x): x is string => typeof x === 'string' && !!x);
        const mapper = new SourceMapper(session.configuration, roots);
        sessions.attachInline(session, da, mapper);
        return new vscode.DebugAdapterInlineImplementation(new MappedAdapter(da as unknown as vscode.DebugAdapter, mapper));
      },
    }),
    vscode.window.registerWebviewViewProvider(XOL_VIEW, xol, { webviewOptions: { retainContextWhenHidden: true } }),
    vscode.window.registerWebviewViewProvider(OUTPUT_VIEW, output, { webviewOptions: { retainContextWhenHidden: true } }),

    vscode.commands.registerCommand('uprobeLab.showProfile', async () => {
      const text = output.profileText();
      const doc = await vscode.workspace.openTextDocument({ language: 'uprobe-trace', content: text || '# uprobe_profile: no events\n' });
      await vscode.window.showTextDocument(doc, { preview: true });
    }),
    vscode.commands.registerCommand('uprobeLab.exportTrace', async () => {
      const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
      const target = await vscode.window.showSaveDialog({
        title: 'Export trace lines', defaultUri: folder ? vscode.Uri.joinPath(folder, 'uprobes.trace') : undefined,
        filters: { 'Trace (kernel format)': ['trace', 'txt'], 'JSON lines': ['jsonl'] },
      });
      if (!target) return;
      await writeTrace(target, traces.lines);
      void vscode.window.showInformationMessage(`Uprobe Lab: ${traces.lines.length} trace lines written to ${path.basename(target.fsPath)}.`);
    }),
    vscode.commands.registerCommand('uprobeLab.clearOutput', () => traces.clear()),
    vscode.commands.registerCommand('uprobeLab.buildSource', async (uri?: vscode.Uri) => {
      const file = uri instanceof vscode.Uri ? uri.fsPath : vscode.window.activeTextEditor?.document.fileName;
      if (!file || !isSourceFile(file)) { void vscode.window.showInformationMessage('Uprobe Lab: open an assembly (.s) or C file to build.'); return; }
      const doc = vscode.workspace.textDocuments.find(d => d.fileName === file);
      if (doc?.isDirty) await doc.save();
      const plan = buildPlan(file);
      if (!plan) { void vscode.window.showErrorMessage('Uprobe Lab: no assembler/linker (as, ld) or compiler (gcc) found to build it.'); return; }
      log.appendLine(`Building ${file}`);
      try {
        await runBuild(plan, path.dirname(file), s => log.append(s));
        void vscode.window.showInformationMessage(`Uprobe Lab: built ${path.relative(path.dirname(file), plan.output) || plan.output}.`, 'Debug It').then(a => {
          if (a) void vscode.debug.startDebugging(vscode.workspace.getWorkspaceFolder(vscode.Uri.file(file)), {
            type: 'uprobe', request: 'launch', name: `Uprobe Lab: ${path.basename(plan.output)}`, program: plan.output,
          });
        });
      } catch (e) {
        log.show(true);
        void vscode.window.showErrorMessage(`Uprobe Lab: ${(e as Error).message}`);
      }
    }),
    vscode.commands.registerCommand('uprobeLab.debugFile', async (uri?: vscode.Uri) => {
      const file = uri instanceof vscode.Uri ? uri : vscode.window.activeTextEditor?.document.uri;
      if (!file || file.scheme !== 'file') { void vscode.window.showInformationMessage('Uprobe Lab: open an assembly or C file to debug.'); return; }
      await vscode.debug.startDebugging(vscode.workspace.getWorkspaceFolder(file), {
        type: 'uprobe', request: 'launch', name: `Uprobe Lab: ${path.basename(file.fsPath)}`, source: file.fsPath,
      });
    }),
  );
  registerProbeCommands(ctx, probes, treeView);
  // The views in Run and Debug show from now on (and during any uprobe session).
  void vscode.commands.executeCommand('setContext', 'uprobeLab.active', true);
  return { sessions, traces, probes, xol };
}

export function deactivate(): void { /* everything is in subscriptions */ }

/** The adapter module, loaded on the first debug session (it brings the whole engine and iced-x86). */
let adapterModule: { UprobeDebugSession: new () => UprobeDebugSession } | undefined;
function loadAdapter(ctx: vscode.ExtensionContext): UprobeDebugSession {
  adapterModule ??= require(path.join(ctx.extensionPath, 'dist', 'adapter.js'));
  return new adapterModule!.UprobeDebugSession();
}

/** "Run and Debug" offers, for the open source files, to debug the program built from them. */
function dynamicConfigurations(folder: vscode.WorkspaceFolder | undefined): vscode.DebugConfiguration[] {
  const out: vscode.DebugConfiguration[] = [];
  for (const ed of vscode.window.visibleTextEditors) {
    const f = ed.document.fileName;
    if (ed.document.uri.scheme !== 'file' || !isSourceFile(f, ed.document.languageId)) continue;
    out.push({ type: 'uprobe', request: 'launch', name: `Uprobe Lab: ${path.basename(f)}`, source: f, cwd: folder?.uri.fsPath });
  }
  return out;
}
