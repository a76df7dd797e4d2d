// The consumers' output of the current (or last) session: every trace line the adapter sent, counted
// per event, kept for the Consumer Output view, the hit counts and exporting. Bounded: past the limit
// the oldest lines go (the counts keep counting).

import * as vscode from 'vscode';
import type { TraceLineBody } from './sessions';
import { matcher } from './filter';

export const MAX_LINES = 200_000;

export interface StoredLine extends TraceLineBody { n: number; key: string }

export class TraceStore implements vscode.Disposable {
  lines: StoredLine[] = [];
  /** Lines per `group/event`, since the last clear. */
  readonly counts = new Map<string, number>();
  /** First line number still held (lines before it were dropped). */
  dropped = 0;
  private seq = 0;
  private pending: StoredLine[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly _onAppend = new vscode.EventEmitter<StoredLine[]>();
  private readonly _onClear = new vscode.EventEmitter<void>();
  /** New lines, in batches (at most every 100 ms). */
  readonly onAppend = this._onAppend.event;
  readonly onClear = this._onClear.event;

  add(b: TraceLineBody): void {
    const key = `${b.group}/${b.event}`;
    const l: StoredLine = { ...b, n: ++this.seq, key };
    this.lines.push(l);
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    if (this.lines.length > MAX_LINES * 1.1) {
      const cut = this.lines.length - MAX_LINES;
      this.lines.splice(0, cut);
      this.dropped += cut;
    }
    this.pending.push(l);
    this.timer ??= setTimeout(() => this.flush(), 100);
  }

  flush(): void {
    if (this.timer) { clearTimeout(this.timer); this.timer = undefined; }
    if (!this.pending.length) return;
    const p = this.pending;
    this.pending = [];
    this._onAppend.fire(p);
  }

  clear(): void {
    this.flush();
    this.lines = [];
    this.counts.clear();
    this.dropped = 0;
    this.seq = 0;
    this._onClear.fire();
  }

  /** The held lines that a filter keeps (see matcher()). */
  filtered(filter: string, events?: Set<string>): StoredLine[] {
    const m = matcher(filter);
    return this.lines.filter(l => (!events || !events.size || !events.has(l.key)) && m(l.line));
  }

  dispose(): void { if (this.timer) clearTimeout(this.timer); this._onAppend.dispose(); this._onClear.dispose(); }
}
