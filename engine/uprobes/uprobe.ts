// struct uprobe: a probe on (file, offset) with its consumers and the analysed original instruction.

import * as fs from 'node:fs';
import type { UprobeConsumer } from './types';
import { arch_uprobe_analyze_insn, ArchUprobe, UprobeModel, UprobeRefused } from './arch';
import { fileBytes } from './boundary';

export const MAX_UINSN_BYTES = 16;

export class Uprobe {
  /** Newest first. Replaced (never changed in place) when a consumer comes or goes. */
  consumers: readonly UprobeConsumer[] = [];
  /** The analysed instruction (UPROBE_COPY_INSN done), or why it cannot be probed. */
  arch: ArchUprobe | null = null;
  refused: string | null = null;
  /** Bytes at the offset in the file (what the kernel copies from the page cache). */
  insn = new Uint8Array(0);
  hits = 0;

  constructor(public readonly ident: string, public readonly path: string, public readonly offset: number) {}

  /** Read the original instruction from the file and analyse it (prepare_uprobe). */
  prepare(model: UprobeModel, vaddr: number): void {
    if (this.arch || this.refused) return;
    const data = fileBytes(this.path);
    if (!data) {
      // Say why, as the file system does.
      try { fs.accessSync(this.path, fs.constants.R_OK); } catch (e) { this.refused = `cannot read ${this.path}: ${(e as Error).message}`; return; }
      this.refused = `cannot read ${this.path}`;
      return;
    }
    this.insn = data.slice(this.offset, Math.min(data.length, this.offset + MAX_UINSN_BYTES));
    try {
      this.arch = arch_uprobe_analyze_insn(this.insn, vaddr, model);
    } catch (e) {
      if (e instanceof UprobeRefused) this.refused = e.reason;
      else throw e;
    }
  }

  get label(): string { return `${this.path}:0x${this.offset.toString(16)}`; }
}
