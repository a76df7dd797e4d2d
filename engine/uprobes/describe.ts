// One-line descriptions of uprobes events, in the kernel's vocabulary, for the CLI's --show-phases and
// for logs.

import type { UprobeEvent } from './types';
import { hex } from '../cpu/cpu';
import { disassemble } from '../cpu/decode';

const h = (n: number): string => '0x' + n.toString(16);

export function describeEvent(e: UprobeEvent): string {
  switch (e.type) {
    case 'install': return `install_breakpoint ${e.uprobe.label} at ${h(e.vaddr)}: int3 written (original ${hex(e.uprobe.insn.subarray(0, e.uprobe.arch?.len ?? 1))})`;
    case 'remove': return `remove_breakpoint ${e.uprobe.label} at ${h(e.vaddr)}: original byte restored`;
    case 'refused': return `${e.uprobe.label} refused: ${e.reason}`;
    case 'hit': return `handle_swbp: int3 at ${h(e.vaddr)} (${e.uprobe.arch?.mnemonic ?? '?'})`;
    case 'handler': return `handler_chain: ${e.consumer} -> ${e.result}`;
    case 'emulate': return `arch_uprobe_skip_sstep: emulated ${e.kind}, ip ${h(e.ipBefore)} -> ${h(e.ipAfter)}`;
    case 'pre_xol': {
      const [orig] = disassemble(e.origBytes, e.uprobe.arch?.vaddr ?? 0);
      const [slot] = disassemble(e.slotBytes, e.slotAddr);
      let s = `pre_ssout: slot ${e.slot} at ${h(e.slotAddr)}: ${hex(e.origBytes)} (${orig}) -> ${hex(e.slotBytes)} (${slot})`;
      s += `; fixups ${e.fixups.join('|') || 'none'}`;
      if (e.scratch) s += `; scratch %${e.scratch.reg} ${h(e.scratch.saved)} -> ${h(e.scratch.loaded)}`;
      return s + '; TF set';
    }
    case 'single-step': return `single-step trap (DIE_DEBUG) at ${h(e.ip)}: UTASK_SSTEP_ACK`;
    case 'post_xol': return `handle_singlestep (ip ${h(e.ipAfterStep)}): arch_uprobe_post_xol: ${e.changes.map(c => `${c.what} ${h(c.before)} -> ${h(c.after)}`).join('; ')}; slot ${e.slot} freed`;
    case 'abort': return `handle_singlestep: arch_uprobe_abort_xol: ${e.reason}; ip -> ${h(e.ip)}`;
    case 'signal-held': return `uprobe_deny_signal: signal ${e.sig} held back while in the XOL slot`;
    case 'uretprobe-hijack': return `prepare_uretprobe: return address ${h(e.orig)} replaced by the trampoline ${h(e.trampoline)}`;
    case 'uretprobe': return `handle_trampoline: ${e.uprobe.label} returned to ${h(e.ret)}`;
    case 'resume': return `resume at ${h(e.ip)}`;
  }
}
