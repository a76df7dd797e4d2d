// Memory syscalls: brk, mmap (anonymous and private file-backed), munmap, mprotect, mremap, madvise.

import * as fs from 'node:fs';
import { defSyscall } from './table';
import type { Process } from '../process';
import { EBADF, EINVAL, ENOMEM, EACCES, ENODEV, EFAULT, int } from './errno';
import { PAGE_SIZE, roundUp, TASK_SIZE, FileBacking } from '../../memory';
import { fileIdent } from '../files';

const MAP_SHARED = 1, MAP_PRIVATE = 2, MAP_FIXED = 0x10, MAP_ANONYMOUS = 0x20, MAP_FIXED_NOREPLACE = 0x100000;
const MREMAP_MAYMOVE = 1, MREMAP_FIXED = 2, MREMAP_DONTUNMAP = 4;

defSyscall(12, 'brk', (p, a) => {
  const want = a[0];
  if (want < p.brkStart) return p.brk;
  const oldEnd = roundUp(p.brk), newEnd = roundUp(want);
  if (newEnd > oldEnd) {
    // The heap cannot grow into another mapping.
    if (p.mem.anyMapped(oldEnd, newEnd)) return p.brk;
    if (p.mem.residentPages + (newEnd - oldEnd) / PAGE_SIZE > p.mem.maxResidentPages) return p.brk;
    p.mem.map(oldEnd, newEnd - oldEnd, 3, '[heap]');
  } else if (newEnd < oldEnd) {
    p.mem.unmap(newEnd, oldEnd - newEnd);
  }
  p.brk = want;
  return p.brk;
});

export function mmapImpl(p: Process, addr: number, len: number, prot: number, flags: number, fd: number, off: number): number {
  if (len <= 0 || len > TASK_SIZE) return -EINVAL;
  if (addr % PAGE_SIZE || off % PAGE_SIZE) return off % PAGE_SIZE ? -EINVAL : (flags & MAP_FIXED ? -EINVAL : mmapImpl(p, 0, len, prot, flags, fd, off));
  if (!(flags & (MAP_SHARED | MAP_PRIVATE))) return -EINVAL;
  const size = roundUp(len);
  if (p.mem.residentPages * PAGE_SIZE + size > p.mem.maxResidentPages * PAGE_SIZE && !(flags & 0x4000 /* NORESERVE */) && p.mem.maxResidentPages !== Infinity) {
    return -ENOMEM;
  }
  let data: Uint8Array | undefined, name = '', file;
  if (!(flags & MAP_ANONYMOUS)) {
    const f = p.fds.get(int(fd));
    if (!f) return -EBADF;
    if (f.kind !== 'file') return -ENODEV;
    if ((flags & MAP_SHARED) && (prot & 2) && (f.flags & 3) !== 2) return -EACCES;
    // Read only what the file holds past `off` (the rest of the mapping reads as zeros): never allocate
    // the mapping's size itself, which the guest chooses.
    if (off < 0) return -EINVAL; // an offset of 2^63 or more
    let fileSize = 0;
    try { fileSize = fs.fstatSync(f.hostFd).size; } catch { /* unreadable: maps as zeros */ }
    const want = Math.max(0, Math.min(size, fileSize - off));
    const b = Buffer.alloc(want);
    const n = want ? fs.readSync(f.hostFd, b, 0, want, off) : 0;
    data = new Uint8Array(b.buffer, b.byteOffset, n);
    // /proc/PID/maps names the file as d_path does: symlinks resolved (/lib -> /usr/lib).
    try { name = fs.realpathSync(f.path); } catch { name = f.path; }
    file = { path: f.path, ident: fileIdent(f.path), offset: off };
  }
  let at: number;
  if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
    if (addr + size > TASK_SIZE) return -ENOMEM;
    if ((flags & MAP_FIXED_NOREPLACE) && p.mem.anyMapped(addr, addr + size)) return -17;
    at = addr;
  } else {
    at = -1;
    if (addr && addr + size <= TASK_SIZE) {
      if (!p.mem.anyMapped(addr, addr + size)) at = addr;
    }
    if (at < 0) at = p.mem.findFree(size, p.mmapBase);
    if (at < 0) return -ENOMEM;
  }
  p.mem.map(at, size, prot & 7, name, file, data);
  return at;
}

defSyscall(9, 'mmap', (p, a) => mmapImpl(p, a[0], a[1], int(a[2]), int(a[3]), a[4], a[5]));

defSyscall(11, 'munmap', (p, a) => {
  if (a[0] % PAGE_SIZE || a[1] <= 0 || a[0] + a[1] > TASK_SIZE) return -EINVAL;
  p.mem.unmap(a[0], a[1]);
  return 0;
});

defSyscall(10, 'mprotect', (p, a) => {
  if (a[0] % PAGE_SIZE) return -EINVAL;
  if (a[1] === 0) return 0;
  return p.mem.protect(a[0], a[1], int(a[2]) & 7) ? 0 : -ENOMEM;
});

defSyscall(25, 'mremap', (p, a) => {
  const old = a[0], oldLen = roundUp(a[1]), newLen = roundUp(a[2]);
  const flags = int(a[3]);
  if (old % PAGE_SIZE || newLen === 0 || (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP))) return -EINVAL;
  if ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE)) return -EINVAL;
  if (flags & MREMAP_DONTUNMAP) return -EINVAL; // only for private anonymous moves; not modelled
  // The old range must be mapped throughout (one mapping for the kernel, which merges neighbours that
  // our Memory keeps apart); it takes the first one's protection and backing.
  const v = p.mem.findVma(old);
  if (!v || oldLen === 0) return -EFAULT;
  if (!p.mem.covered(v.end, old + oldLen)) return -EFAULT;
  const off = old - v.start;
  const fileAt = (delta: number): FileBacking | undefined => (v.file ? { ...v.file, offset: v.file.offset + off + delta } : undefined);
  const dataAt = (delta: number): Uint8Array | undefined => v.fileData?.subarray(Math.min(off + delta, v.fileData.length));
  if (!(flags & MREMAP_FIXED)) {
    if (newLen <= oldLen) {
      if (newLen < oldLen) p.mem.unmap(old + newLen, oldLen - newLen);
      return old;
    }
    // Grow in place when the pages after it are free.
    const free = old + newLen <= TASK_SIZE && !p.mem.anyMapped(old + oldLen, old + newLen);
    if (free) {
      p.mem.map(old + oldLen, newLen - oldLen, v.prot, v.name, fileAt(oldLen), dataAt(oldLen));
      return old;
    }
    if (!(flags & MREMAP_MAYMOVE)) return -ENOMEM;
  }
  let at: number;
  if (flags & MREMAP_FIXED) {
    at = a[4];
    if (at % PAGE_SIZE || at + newLen > TASK_SIZE) return -EINVAL;
    if (at < old + oldLen && old < at + newLen) return -EINVAL; // overlapping ranges
  } else {
    at = p.mem.findFree(newLen, p.mmapBase);
    if (at < 0) return -ENOMEM;
  }
  // Move: the new mapping takes over the pages themselves (contents, private copies), then the old
  // range goes away. Nothing is copied byte by byte.
  p.mem.map(at, newLen, v.prot, v.name, fileAt(0), dataAt(0));
  const keep = Math.min(oldLen, newLen);
  const moved = [...p.mem.pages.keys()].filter(no => no >= old / PAGE_SIZE && no < (old + keep) / PAGE_SIZE);
  for (const from of moved) {
    const x = from * PAGE_SIZE - old, to = (at + x) / PAGE_SIZE;
    const pg = p.mem.pages.get(from)!;
    if (pg.code) { pg.code = false; p.mem.onCodeWrite(from); }
    p.mem.pages.delete(from);
    p.mem.pages.set(to, pg);
    pg.vma = p.mem.findVma(at + x)!;
  }
  p.mem.flushTlb();
  p.mem.unmap(old, oldLen);
  return at;
});

defSyscall(28, 'madvise', (p, a) => {
  const MADV_DONTNEED = 4;
  if (int(a[2]) === MADV_DONTNEED) {
    // Anonymous private pages read back as zero afterwards.
    // Walk the resident pages in the range (the range itself may be huge).
    const first = a[0] / PAGE_SIZE, last = (a[0] + a[1]) / PAGE_SIZE;
    for (const [no, pg] of p.mem.pages) if (no >= first && no < last && !pg.vma.file) pg.u8.fill(0);
  }
  return 0;
});
