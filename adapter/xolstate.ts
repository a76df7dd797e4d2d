// What the XOL view shows: the phase of the current (or last) uprobe hit, the probe, the slot with the
// original and rewritten bytes and their disassembly, the fixups, the scratch register and the
// before/after of each fixup. It is tracked from the uprobes model's events and sent as the custom
// `xolState` event (and answered to the `xolState` request).

import type { UprobeEvent } from '../engine/uprobes/types';
import type { Uprobe } from '../engine/uprobes/uprobe';
import { UTASK_STATE_NAMES } from '../engine/uprobes/types';
import type { UprobeTask } from '../engine/uprobes/uprobes';
import { disassemble } from '../engine/cpu/decode';

export interface XolStateBody {
  /** idle, hit, handlers, emulate, pre_xol, single-step, post_xol, resume, abort */
  phase: string;
  /** enum uprobe_task_state name. */
  state: string;
  model: string;
  /** Current instruction pointer. */
  ip: string;
  probe?: {
    address: string; path: string; offset: string; instruction: string; bytes: string; hits: number; consumers: string[];
  };
  handlers?: Array<{ consumer: string; result: number }>;
  emulate?: { kind: string; ipBefore: string; ipAfter: string };
  slot?: {
    index: number; address: string;
    originalBytes: string; originalInstruction: string;
    slotBytes: string; slotInstruction: string;
  };
  fixups?: string[];
  scratch?: { reg: string; saved: string; loaded: string };
  changes?: Array<{ what: string; before: string; after: string }>;
  abort?: string;
  /** Signals held back while the task was in the slot. */
  heldSignals?: number[];
}

const hexs = (n: number) => `0x${n.toString(16)}`;
export const hexBytes = (b: Uint8Array) => Array.from(b, x => x.toString(16).padStart(2, '0')).join(' ');

/** The last hit, as raw facts (disassembly is done only when the state is sent). */
interface Tracked {
  uprobe: Uprobe;
  vaddr: number;
  handlers: Array<{ consumer: string; result: number }>;
  emulate?: { kind: string; ipBefore: number; ipAfter: number };
  slot?: { index: number; address: number; orig: Uint8Array; bytes: Uint8Array };
  fixups?: string[];
  scratch?: { reg: string; saved: number; loaded: number };
  changes?: Array<{ what: string; before: number; after: number }>;
  abort?: string;
  held: number[];
}

export class XolTracker {
  private cur: Tracked | null = null;
  dirty = false;

  constructor(private model: string) {}

  onEvent(e: UprobeEvent): void {
    switch (e.type) {
      case 'hit': this.cur = { uprobe: e.uprobe, vaddr: e.vaddr, handlers: [], held: [] }; break;
      case 'handler': this.cur?.handlers.push({ consumer: e.consumer, result: e.result }); break;
      case 'emulate': if (this.cur) this.cur.emulate = { kind: e.kind, ipBefore: e.ipBefore, ipAfter: e.ipAfter }; break;
      case 'pre_xol':
        if (this.cur) {
          this.cur.slot = { index: e.slot, address: e.slotAddr, orig: e.origBytes, bytes: e.slotBytes };
          this.cur.fixups = e.fixups;
          this.cur.scratch = e.scratch;
        }
        break;
      case 'post_xol': if (this.cur) this.cur.changes = e.changes; break;
      case 'abort': if (this.cur) this.cur.abort = e.reason; break;
      case 'signal-held': this.cur?.held.push(e.sig); break;
      case 'single-step': case 'resume': break;
      default: return;
    }
    this.dirty = true;
  }

  body(t: UprobeTask | undefined, ip: number, syntax: 'att' | 'intel'): XolStateBody {
    const b: XolStateBody = {
      phase: t?.phase ?? 'idle', state: UTASK_STATE_NAMES[t?.state ?? 0], model: this.model, ip: hexs(ip),
    };
    const c = this.cur;
    if (!c) return b;
    const u = c.uprobe;
    b.probe = {
      address: hexs(c.vaddr), path: u.path, offset: hexs(u.offset),
      instruction: u.arch ? disassemble(u.arch.insn, c.vaddr, syntax)[0] : '', bytes: hexBytes(u.arch?.insn ?? u.insn),
      hits: u.hits, consumers: u.consumers.map(x => x.name),
    };
    b.handlers = c.handlers;
    if (c.emulate) b.emulate = { kind: c.emulate.kind, ipBefore: hexs(c.emulate.ipBefore), ipAfter: hexs(c.emulate.ipAfter) };
    if (c.slot) {
      b.slot = {
        index: c.slot.index, address: hexs(c.slot.address),
        originalBytes: hexBytes(c.slot.orig), originalInstruction: disassemble(c.slot.orig, c.vaddr, syntax)[0],
        slotBytes: hexBytes(c.slot.bytes), slotInstruction: disassemble(c.slot.bytes, c.slot.address, syntax)[0],
      };
    }
    if (c.fixups) b.fixups = c.fixups;
    else if (u.arch) b.fixups = u.arch.fixupNames;
    if (c.scratch) b.scratch = { reg: c.scratch.reg, saved: hexNum(c.scratch.saved), loaded: hexNum(c.scratch.loaded) };
    if (c.changes) b.changes = c.changes.map(x => ({ what: x.what, before: hexNum(x.before), after: hexNum(x.after) }));
    if (c.abort) b.abort = c.abort;
    if (c.held.length) b.heldSignals = c.held;
    return b;
  }
}

/** A register value the engine reports as a number (exact below 2^53), in hex. */
function hexNum(n: number): string {
  if (n < 0) return `-0x${(-n).toString(16)}`;
  return `0x${n.toString(16)}`;
}
