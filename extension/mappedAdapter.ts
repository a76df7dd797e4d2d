// The debug adapter VS Code talks to: the in-process UprobeDebugSession behind a SourceMapper, so that
// the line table's source paths reach VS Code as the user's files.

import * as vscode from 'vscode';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { SourceMapper } from './sourceMap';

/**
 * A vscode.DebugAdapter in front of the in-process adapter that maps source paths both ways. `inner`
 * is the adapter (it has handleMessage, onDidSendMessage and dispose).
 */
export class MappedAdapter implements vscode.DebugAdapter {
  private readonly emitter = new vscode.EventEmitter<vscode.DebugProtocolMessage>();
  readonly onDidSendMessage = this.emitter.event;
  private sub: vscode.Disposable;

  constructor(private inner: vscode.DebugAdapter, private mapper: SourceMapper) {
    this.sub = inner.onDidSendMessage(m => {
      try { mapper.outgoing(m as DebugProtocol.ProtocolMessage); } catch { /* leave it */ }
      this.emitter.fire(m);
    });
  }

  handleMessage(m: vscode.DebugProtocolMessage): void {
    try { this.mapper.incoming(m as DebugProtocol.ProtocolMessage); } catch { /* leave it */ }
    this.inner.handleMessage(m);
  }

  dispose(): void {
    this.sub.dispose();
    this.emitter.dispose();
    this.inner.dispose();
  }
}
