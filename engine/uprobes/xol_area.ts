// The execute-out-of-line area (kernel/events/uprobes.c's struct xol_area): one page per process, mapped
// on first use at TASK_SIZE - PAGE_SIZE and named [uprobes], split in 128-byte slots taken from a bitmap.
// In the current model slot 0 holds the uretprobe trampoline.

import type { Memory, Page } from '../memory';
import { PAGE_SIZE, PROT_EXEC, PROT_READ, TASK_SIZE } from '../memory';

export const UPROBE_XOL_SLOT_BYTES = 128;
export const XOL_SLOTS = PAGE_SIZE / UPROBE_XOL_SLOT_BYTES;
/** The int3 the trampoline executes so that the kernel sees the function return. */
export const UPROBE_SWBP_INSN = 0xcc;

export class XolArea {
  readonly vaddr: number;
  /** bitmap of slots in use */
  readonly bitmap = new Uint8Array(XOL_SLOTS);
  slotCount = 0;
  // For copy(): the page the slots live in, seen as words, and the last slot image asked for, as words.
  private page: Page | null = null;
  private pageWords: Int32Array | null = null;
  private imageOf: Uint8Array | null = null;
  private readonly image = new Uint8Array(UPROBE_XOL_SLOT_BYTES);
  private readonly imageWords = new Int32Array(this.image.buffer);

  constructor(private mem: Memory, withTrampoline: boolean) {
    // get_unmapped_area with a hint of TASK_SIZE - PAGE_SIZE, falling back to any free page.
    let at = TASK_SIZE - PAGE_SIZE;
    if (mem.isMapped(at)) at = mem.findFree(PAGE_SIZE, TASK_SIZE);
    this.vaddr = at;
    mem.map(at, PAGE_SIZE, PROT_READ | PROT_EXEC, '[uprobes]');
    if (withTrampoline) {
      // Slot 0: the uretprobe trampoline.
      this.bitmap[0] = 1;
      this.slotCount = 1;
      mem.poke(at, Uint8Array.of(UPROBE_SWBP_INSN));
    }
  }

  get trampolineVaddr(): number { return this.vaddr; }

  /** Take a free slot; -1 if none (the kernel would sleep until one is freed). */
  getSlot(): number {
    for (let k = 0; k < XOL_SLOTS; k++) if (!this.bitmap[k]) { this.bitmap[k] = 1; this.slotCount++; return k; }
    return -1;
  }

  slotAddr(slot: number): number { return this.vaddr + slot * UPROBE_XOL_SLOT_BYTES; }

  slotOf(addr: number): number { return Math.floor((addr - this.vaddr) / UPROBE_XOL_SLOT_BYTES); }

  /**
   * Copy an instruction into a slot (arch_uprobe_copy_ixol): `bytes`, then zeros to the end of the slot.
   * When the slot already holds exactly these bytes (the same probe hit again) the write would change
   * nothing, so it is not made: the page stays as it is and the CPU keeps its decoded instruction.
   */
  copy(slot: number, bytes: Uint8Array): void {
    const at = this.slotAddr(slot);
    const page = this.mem.page(at);
    if (page) {
      if (page !== this.page) {
        this.page = page;
        const u8 = page.u8;
        this.pageWords = u8.byteOffset % 4 === 0 ? new Int32Array(u8.buffer, u8.byteOffset, PAGE_SIZE / 4) : null;
      }
      if (bytes !== this.imageOf) {
        this.image.fill(0);
        this.image.set(bytes.subarray(0, UPROBE_XOL_SLOT_BYTES));
        this.imageOf = bytes;
      }
      const pw = this.pageWords, iw = this.imageWords;
      if (pw) {
        const w0 = (at & (PAGE_SIZE - 1)) >> 2;
        let same = true;
        for (let k = 0; k < UPROBE_XOL_SLOT_BYTES / 4; k++) if (pw[w0 + k] !== iw[k]) { same = false; break; }
        if (same) return;
      }
    }
    const fill = new Uint8Array(UPROBE_XOL_SLOT_BYTES);
    fill.set(bytes);
    this.mem.poke(at, fill);
  }

  free(slot: number): void {
    if (this.bitmap[slot]) { this.bitmap[slot] = 0; this.slotCount--; }
  }

  contains(addr: number): boolean { return addr >= this.vaddr && addr < this.vaddr + PAGE_SIZE; }
}
