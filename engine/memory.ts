// The guest address space: 4 KiB pages with r/w/x permissions behind direct-mapped software TLBs for reads
// and one for writes, plus the list of mappings (VMAs) that /proc/self/maps, mmap and uprobes work from.
//
// Addresses are plain numbers: user space ends at 2^47, well inside the 2^53 a double holds exactly.
// Values are read and written as int32 (two halves for 64-bit: read64 returns the low half and leaves the
// high half in `hi`).

import { GuestFault, SIGSEGV, SEGV_MAPERR, SEGV_ACCERR } from './errors';

export const PAGE_SIZE = 4096;
export const PAGE_SHIFT = 12;
export const PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4;
/** TASK_SIZE on x86_64 with 4-level paging. */
export const TASK_SIZE = 0x7ffffffff000;

export interface FileBacking {
  /** Path as the guest named it (and as uprobes match it). */
  path: string;
  /** Host identity of the file (dev:ino), so that two names for one file match. */
  ident: string;
  /** File offset of the mapping's start. */
  offset: number;
}

export interface Vma {
  start: number;
  end: number;
  prot: number;
  /** Shown in /proc/self/maps: a path, "[heap]", "[stack]", "[uprobes]", or "". */
  name: string;
  file?: FileBacking;
  /** Bytes of the file for lazily materialised file-backed pages. */
  fileData?: Uint8Array;
}

export class Page {
  readonly u8: Uint8Array;
  readonly dv: DataView;
  /** Decoded instructions that start in, or cover bytes of, this page (invalidated on write). */
  code = false;
  /** Still identical to the file it maps (false once written privately: the process's own copy). */
  pristine: boolean;
  constructor(public prot: number, public vma: Vma, data?: Uint8Array) {
    this.u8 = data ?? new Uint8Array(PAGE_SIZE);
    this.dv = new DataView(this.u8.buffer, this.u8.byteOffset, PAGE_SIZE);
    this.pristine = vma.file !== undefined;
  }
}

/** Entries in each software TLB (a power of two). */
export const TLB_SIZE = 256, TLB_MASK = TLB_SIZE - 1;
/**
 * The TLBs are two-way set associative: page number `no` lives in slot tlbSet(no) (the most recently
 * used page of the set: compiled code looks only there) or the one after it. Higher bits of the page number are folded into the set index, so that
 * streams a power-of-two number of pages apart (merge sort's halves, a buffer and its copy) do not
 * share a set, and two pages that do share one (a global and a heap array) no longer evict each other
 * at every access. The block compiler's generated code computes the same expression (TLB_SET_JS).
 */
export function tlbSet(no: number): number { return ((no ^ (no >>> 7)) & (TLB_MASK >> 1)) << 1; }
/** tlbSet as a JavaScript expression of a page-number local, for generated code. */
export const TLB_SET_JS = (pn: string): string => `(((${pn} ^ (${pn} >>> 7)) & ${TLB_MASK >> 1}) << 1)`;

/**
 * Make page `p` (number `no`) the most recently used of its TLB set: it goes in the first way (the one
 * compiled code looks at) and the page that was there moves to the second. Used for a hit in the
 * second way and for a fill alike.
 */
function putFirst(tags: Float64Array, pages: (Page | null)[], set: number, no: number, p: Page): Page {
  tags[set + 1] = tags[set]; pages[set + 1] = pages[set];
  tags[set] = no; pages[set] = p;
  return p;
}

export type CodeWriteListener = (pageNo: number) => void;

/**
 * The count of resident pages and its cap. Address spaces of one machine share one account (a fork's copy
 * starts with its parent's), so that the memory cap holds across all the guest's processes.
 */
export class PageAccount {
  pages = 0;
  max = Infinity;
}

export class Memory {
  readonly pages = new Map<number, Page>();
  /** Sorted, non-overlapping. */
  vmas: Vma[] = [];
  /** High half of the last read64. */
  hi = 0;
  /** Called when a page that holds decoded code is written. */
  onCodeWrite: CodeWriteListener = () => {};
  /** Called when a new file-backed mapping appears (uprobes install probes there). */
  onMap: (vma: Vma) => void = () => {};
  /** Pages of anonymous and file memory the guest has touched, and their cap (shared with the account's other address spaces). */
  get residentPages(): number { return this.account.pages; }
  set residentPages(n: number) { this.account.pages = n; }
  get maxResidentPages(): number { return this.account.max; }
  set maxResidentPages(n: number) { this.account.max = n; }
  /** x86 page-fault error code of the last fault raised here (PROT 1, WRITE 2, USER 4, FETCH 0x10). */
  faultErr = 0;

  // Direct-mapped software TLBs (page number -> page), one for reads and one for writes. Tags are NaN
  // when empty: no address maps to it (-1 would, for addresses just below 0). The block compiler's code
  // reads them directly (jit/gen.ts memRead/memWrite): an entry must only ever name a page that access
  // may use without further checks, and the write TLB never holds a page with decoded code.
  readonly rTag = new Float64Array(TLB_SIZE).fill(NaN);
  readonly rPg: (Page | null)[] = new Array<Page | null>(TLB_SIZE).fill(null);
  readonly wTag = new Float64Array(TLB_SIZE).fill(NaN);
  readonly wPg: (Page | null)[] = new Array<Page | null>(TLB_SIZE).fill(null);

  constructor(readonly account: PageAccount = new PageAccount()) {}

  // ---- fork and exit ------------------------------------------------------------------------------

  /**
   * fork's copy of this address space (dup_mmap): the same mappings, and a private copy of every page
   * touched so far, except file pages never written, which the copy reads from the file again when it
   * touches them. Mappings `keep` refuses are left out (VM_DONTCOPY). The copy shares this one's account;
   * null if its pages would go past the cap.
   */
  forkCopy(keep: (v: Vma) => boolean = () => true): Memory | null {
    const m = new Memory(this.account);
    const copies = new Map<Vma, Vma>();
    for (const v of this.vmas) {
      if (!keep(v)) continue;
      const c: Vma = { ...v, file: v.file && { ...v.file } };
      copies.set(v, c);
      m.vmas.push(c);
    }
    const owned: [number, Page][] = [];
    for (const [no, pg] of this.pages) if (!pg.pristine && copies.has(pg.vma)) owned.push([no, pg]);
    if (this.account.pages + owned.length > this.account.max) return null;
    for (const [no, pg] of owned) {
      const c = new Page(pg.prot, copies.get(pg.vma)!, pg.u8.slice());
      c.pristine = false;
      m.pages.set(no, c);
    }
    this.account.pages += owned.length;
    return m;
  }

  /** Give the pages back to the account (the address space is gone: exit, or exec's new one replaced it). */
  release(): void {
    this.account.pages -= this.pages.size;
    this.pages.clear();
    this.vmas = [];
    this.flushTlb();
  }

  // ---- mappings -------------------------------------------------------------------------------

  /** Map [start, start+len) (page aligned), replacing whatever was there (MAP_FIXED semantics). */
  map(start: number, len: number, prot: number, name = '', file?: FileBacking, fileData?: Uint8Array): Vma {
    const end = start + roundUp(len);
    this.unmap(start, end - start);
    const vma: Vma = { start, end, prot, name, file, fileData };
    const idx = this.vmas.findIndex(v => v.start > start);
    if (idx < 0) this.vmas.push(vma); else this.vmas.splice(idx, 0, vma);
    this.onMap(vma);
    return vma;
  }

  unmap(start: number, len: number): void {
    const end = start + roundUp(len);
    const out: Vma[] = [];
    for (const v of this.vmas) {
      if (v.end <= start || v.start >= end) { out.push(v); continue; }
      if (v.start < start) out.push(this.splitCopy(v, v.start, start));
      if (v.end > end) out.push(this.splitCopy(v, end, v.end));
    }
    this.vmas = out;
    for (const no of this.residentIn(start, end)) {
      const p = this.pages.get(no);
      if (p) {
        if (p.code) this.onCodeWrite(no);
        this.pages.delete(no);
        this.residentPages--;
      }
    }
    this.flushTlb();
  }

  /**
   * Numbers of the resident pages in [start, end): walks whichever is smaller, the range or the resident
   * set, so that a huge range (a segment or mmap claiming terabytes) costs nothing when mostly untouched.
   */
  private residentIn(start: number, end: number): number[] {
    const first = start / PAGE_SIZE, last = end / PAGE_SIZE;
    const out: number[] = [];
    if (last - first <= this.pages.size) {
      for (let no = first; no < last; no++) if (this.pages.has(no)) out.push(no);
    } else {
      for (const no of this.pages.keys()) if (no >= first && no < last) out.push(no);
    }
    return out;
  }

  protect(start: number, len: number, prot: number): boolean {
    const end = start + roundUp(len);
    // Every page in the range must be mapped (else ENOMEM): walk the VMAs covering it.
    for (let a = start; a < end;) { const v = this.findVma(a); if (!v) return false; a = v.end; }
    const out: Vma[] = [];
    for (const v of this.vmas) {
      if (v.end <= start || v.start >= end) { out.push(v); continue; }
      if (v.start < start) out.push(this.splitCopy(v, v.start, start));
      const mid = this.splitCopy(v, Math.max(v.start, start), Math.min(v.end, end));
      mid.prot = prot;
      out.push(mid);
      if (v.end > end) out.push(this.splitCopy(v, end, v.end));
    }
    this.vmas = out;
    for (const no of this.residentIn(start, end)) {
      const p = this.pages.get(no)!;
      p.prot = prot; p.vma = this.findVma(no * PAGE_SIZE)!;
    }
    this.flushTlb();
    return true;
  }

  private splitCopy(v: Vma, s: number, e: number): Vma {
    const n: Vma = { ...v, start: s, end: e };
    if (v.file) n.file = { ...v.file, offset: v.file.offset + (s - v.start) };
    if (v.fileData) n.fileData = v.fileData.subarray(Math.min(s - v.start, v.fileData.length));
    for (const no of this.residentIn(s, e)) this.pages.get(no)!.vma = n;
    return n;
  }

  findVma(addr: number): Vma | undefined {
    const vs = this.vmas;
    let lo = 0, hi = vs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = vs[mid];
      if (addr < v.start) hi = mid - 1; else if (addr >= v.end) lo = mid + 1; else return v;
    }
    return undefined;
  }

  /** Lowest free gap of `len` bytes searching down from `below` (mmap's top-down layout). */
  findFree(len: number, below: number, above = 0x10000): number {
    len = roundUp(len);
    let top = below;
    for (let i = this.vmas.length - 1; i >= 0; i--) {
      const v = this.vmas[i];
      if (v.start >= top) continue;
      if (v.end <= top - len) return top - len;
      top = Math.min(top, v.start);
    }
    return top - len >= above ? top - len : -1;
  }

  isMapped(addr: number): boolean { return this.findVma(addr) !== undefined; }

  /** Is any address of [start, end) mapped? (Walks the VMAs, not the pages: huge ranges are cheap.) */
  anyMapped(start: number, end: number): boolean {
    for (const v of this.vmas) if (v.start < end && v.end > start) return true;
    return false;
  }

  /** Is every page of [start, end) mapped? */
  covered(start: number, end: number): boolean {
    for (let a = start; a < end;) { const v = this.findVma(a); if (!v) return false; a = v.end; }
    return true;
  }

  flushTlb(): void { this.rTag.fill(NaN); this.rPg.fill(null); this.wTag.fill(NaN); this.wPg.fill(null); }

  // ---- page lookup ------------------------------------------------------------------------------

  /** The page holding `addr`, materialised on first touch; null if unmapped. */
  page(addr: number): Page | null {
    const no = Math.floor(addr / PAGE_SIZE);
    let p = this.pages.get(no);
    if (p) return p;
    const v = this.findVma(addr);
    if (!v) return null;
    if (this.residentPages >= this.maxResidentPages) throw new GuestFault(SIGSEGV, addr, 'out of memory (memory cap)');
    let data: Uint8Array | undefined;
    if (v.fileData) {
      const off = no * PAGE_SIZE - v.start;
      data = new Uint8Array(PAGE_SIZE);
      if (off < v.fileData.length) data.set(v.fileData.subarray(off, Math.min(off + PAGE_SIZE, v.fileData.length)));
    }
    p = new Page(v.prot, v, data);
    this.pages.set(no, p);
    this.residentPages++;
    return p;
  }

  private fault(addr: number, mapped: boolean, access = 0): never {
    // Linux reports user accesses to kernel addresses as protection faults.
    this.faultErr = (mapped || addr >= TASK_SIZE ? 1 : 0) | access | 4;
    throw new GuestFault(SIGSEGV, addr, '', mapped ? SEGV_ACCERR : SEGV_MAPERR);
  }

  private readPage(addr: number): Page {
    const no = Math.floor(addr / PAGE_SIZE), set = tlbSet(no);
    if (this.rTag[set] === no) return this.rPg[set]!;
    if (this.rTag[set + 1] === no) return putFirst(this.rTag, this.rPg, set, no, this.rPg[set + 1]!);
    if (!(addr >= 0 && addr < TASK_SIZE)) this.fault(addr, false);
    const p = this.page(addr);
    if (!p) this.fault(addr, false);
    if (!(p.prot & PROT_READ)) this.fault(addr, true);
    return putFirst(this.rTag, this.rPg, set, no, p);
  }

  private writePage(addr: number): Page {
    const no = Math.floor(addr / PAGE_SIZE), set = tlbSet(no);
    if (this.wTag[set] === no) return this.wPg[set]!;
    if (this.wTag[set + 1] === no) return putFirst(this.wTag, this.wPg, set, no, this.wPg[set + 1]!);
    if (!(addr >= 0 && addr < TASK_SIZE)) this.fault(addr, false, 2);
    const p = this.page(addr);
    if (!p) this.fault(addr, false, 2);
    if (!(p.prot & PROT_WRITE)) this.fault(addr, true, 2);
    p.pristine = false;
    if (p.code) {
      // Code lives here: every write must drop the decoded instructions it covers, so never cache it.
      p.code = false;
      this.onCodeWrite(no);
      return p;
    }
    return putFirst(this.wTag, this.wPg, set, no, p);
  }

  /** Mark a page as holding decoded code (writes to it will be reported). */
  markCode(addr: number): void {
    const no = Math.floor(addr / PAGE_SIZE);
    const p = this.pages.get(no);
    if (p) p.code = true;
    const set = tlbSet(no);
    for (let w = set; w < set + 2; w++) if (this.wTag[w] === no) { this.wTag[w] = NaN; this.wPg[w] = null; }
  }

  // ---- reads ------------------------------------------------------------------------------------

  read8(addr: number): number {
    return this.readPage(addr).u8[addr & 0xfff];
  }

  read16(addr: number): number {
    const off = addr & 0xfff;
    if (off <= PAGE_SIZE - 2) return this.readPage(addr).dv.getUint16(off, true);
    return this.read8(addr) | (this.read8(addr + 1) << 8);
  }

  /** Signed int32. */
  read32(addr: number): number {
    const off = addr & 0xfff;
    if (off <= PAGE_SIZE - 4) return this.readPage(addr).dv.getInt32(off, true);
    return this.read8(addr) | (this.read8(addr + 1) << 8) | (this.read8(addr + 2) << 16) | (this.read8(addr + 3) << 24);
  }

  /** Low half returned, high half in this.hi. */
  read64(addr: number): number {
    const off = addr & 0xfff;
    if (off <= PAGE_SIZE - 8) {
      const p = this.readPage(addr);
      this.hi = p.dv.getInt32(off + 4, true);
      return p.dv.getInt32(off, true);
    }
    const lo = this.read32(addr);
    this.hi = this.read32(addr + 4);
    return lo;
  }

  /** A 64-bit value as a number (exact below 2^53; used for pointers). */
  readPtr(addr: number): number {
    const lo = this.read64(addr);
    return this.hi * 4294967296 + (lo >>> 0);
  }

  // ---- writes -----------------------------------------------------------------------------------

  write8(addr: number, v: number): void {
    this.writePage(addr).u8[addr & 0xfff] = v;
  }

  write16(addr: number, v: number): void {
    const off = addr & 0xfff;
    if (off <= PAGE_SIZE - 2) { this.writePage(addr).dv.setUint16(off, v & 0xffff, true); return; }
    this.checkWritable(addr, 2);
    this.write8(addr, v); this.write8(addr + 1, v >> 8);
  }

  write32(addr: number, v: number): void {
    const off = addr & 0xfff;
    if (off <= PAGE_SIZE - 4) { this.writePage(addr).dv.setInt32(off, v | 0, true); return; }
    this.checkWritable(addr, 4);
    for (let i = 0; i < 4; i++) this.write8(addr + i, v >> (8 * i));
  }

  write64(addr: number, lo: number, hi: number): void {
    const off = addr & 0xfff;
    if (off <= PAGE_SIZE - 8) {
      const p = this.writePage(addr);
      p.dv.setInt32(off, lo | 0, true); p.dv.setInt32(off + 4, hi | 0, true);
      return;
    }
    this.checkWritable(addr, 8);
    this.write32(addr, lo); this.write32(addr + 4, hi);
  }

  writePtr(addr: number, v: number): void {
    this.write64(addr, v % 4294967296 | 0, Math.floor(v / 4294967296) | 0);
  }

  /** A write that straddles pages must not be half done when the second page faults. */
  checkWritable(addr: number, len: number): void {
    this.writePage(addr);
    this.writePage(addr + len - 1);
  }

  checkReadable(addr: number, len: number): void {
    if (len <= 0) return;
    this.readPage(addr);
    for (let a = (addr | 0xfff) + 1; a < addr + len; a += PAGE_SIZE) this.readPage(a);
    this.readPage(addr + len - 1);
  }

  // ---- bulk -------------------------------------------------------------------------------------

  readBytes(addr: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    let done = 0;
    while (done < len) {
      const a = addr + done;
      const p = this.readPage(a);
      const off = a & 0xfff;
      const n = Math.min(len - done, PAGE_SIZE - off);
      out.set(p.u8.subarray(off, off + n), done);
      done += n;
    }
    return out;
  }

  writeBytes(addr: number, data: Uint8Array): void {
    if (data.length) this.checkWritable(addr, data.length);
    let done = 0;
    while (done < data.length) {
      const a = addr + done;
      const p = this.writePage(a);
      const off = a & 0xfff;
      const n = Math.min(data.length - done, PAGE_SIZE - off);
      p.u8.set(data.subarray(done, done + n), off);
      done += n;
    }
  }

  /** NUL-terminated string (bytes), at most `max` bytes. */
  readCString(addr: number, max = 4096): Uint8Array {
    const bytes: number[] = [];
    for (let i = 0; i < max; i++) {
      const b = this.read8(addr + i);
      if (b === 0) break;
      bytes.push(b);
    }
    return Uint8Array.from(bytes);
  }

  /** Fetch instruction bytes (needs PROT_EXEC on the first byte; stops at the first non-executable page). */
  fetch(addr: number, maxLen: number): Uint8Array {
    const p = this.page(addr);
    if (!p || !(p.prot & PROT_EXEC) || !(addr >= 0 && addr < TASK_SIZE)) this.fault(addr, !!p, 0x10);
    const off = addr & 0xfff;
    const first = Math.min(maxLen, PAGE_SIZE - off);
    if (first === maxLen) return p.u8.slice(off, off + maxLen);
    const out = new Uint8Array(maxLen);
    out.set(p.u8.subarray(off, off + first));
    const q = this.page(addr + first);
    if (!q || !(q.prot & PROT_EXEC)) return out.subarray(0, first);
    out.set(q.u8.subarray(0, maxLen - first), first);
    return out;
  }

  /**
   * Write bytes regardless of protection, as the kernel's uprobes do when they install int3 (and as
   * ptrace POKETEXT does): the page becomes the process's private copy. Decoded code is invalidated.
   */
  poke(addr: number, data: Uint8Array): void {
    for (let i = 0; i < data.length; i++) {
      const a = addr + i;
      const p = this.page(a);
      if (!p) this.fault(a, false);
      p.u8[a & 0xfff] = data[i];
      p.pristine = false;
      if (p.code) { p.code = false; this.onCodeWrite(Math.floor(a / PAGE_SIZE)); }
    }
    // Only the pages written need leaving the TLBs (a probe's int3 pokes one byte at a time).
    const last = Math.floor((addr + Math.max(data.length, 1) - 1) / PAGE_SIZE);
    for (let no = Math.floor(addr / PAGE_SIZE); no <= last; no++) this.evict(no);
  }

  /** Drop page number `no` from both TLBs, whichever way of its set holds it. */
  private evict(no: number): void {
    const set = tlbSet(no);
    for (let w = set; w < set + 2; w++) {
      if (this.rTag[w] === no) { this.rTag[w] = NaN; this.rPg[w] = null; }
      if (this.wTag[w] === no) { this.wTag[w] = NaN; this.wPg[w] = null; }
    }
  }

  /** Read bytes regardless of protection (debugger view, like /proc/PID/mem). */
  peek(addr: number, len: number): Uint8Array | null {
    const out = new Uint8Array(len);
    for (let i = 0; i < len; i++) {
      const p = this.page(addr + i);
      if (!p) return null;
      out[i] = p.u8[(addr + i) & 0xfff];
    }
    return out;
  }
}

export function roundUp(n: number): number {
  return Math.ceil(n / PAGE_SIZE) * PAGE_SIZE;
}
