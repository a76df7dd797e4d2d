// File syscalls over a read-only view of the host file system: read write readv writev pread64 open
// openat close fstat stat lstat newfstatat lseek ioctl readlink readlinkat access faccessat getcwd
// getdents64 fcntl dup dup2 dup3 chdir, and the refused writes (EACCES unless the directory is granted).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { defSyscall, BLOCKED } from './table';
import type { Process } from '../process';
import { EBADF, EACCES, EFAULT, EINVAL, ENOTTY, ESPIPE, ENOTDIR, ENOENT, ERANGE, EMFILE, EISDIR, EPIPE, EAGAIN, hostErrno, int } from './errno';
import { OpenFile, Pipe, PIPE_SIZE, PIPE_BUF } from '../files';
import { GuestFault, SIGPIPE } from '../../errors';
import { procSelfEntry, procFile } from '../procfs';

const O_ACCMODE = 3, O_CREAT = 0x40, O_TRUNC = 0x200, O_APPEND = 0x400, O_DIRECTORY = 0x10000, O_CLOEXEC = 0x80000,
  O_EXCL = 0x80, O_NONBLOCK = 0x800;
const AT_FDCWD = -100, AT_EMPTY_PATH = 0x1000, AT_SYMLINK_NOFOLLOW = 0x100;
const MAX_IO = 1 << 24;
/** A byte count from a register, bounded: a count of 2^63 or more (negative here) is clamped like a huge one. */
const ioLen = (n: number): number => (n < 0 ? MAX_IO : Math.min(n, MAX_IO));

/** Run a syscall body that touches guest memory: a bad pointer is -EFAULT, not a guest crash. */
export function guarded(fn: () => number): number {
  try { return fn(); } catch (e) { if (e instanceof GuestFault) return -EFAULT; throw e; }
}

export function readPath(p: Process, addr: number): string {
  return Buffer.from(p.mem.readCString(addr, 4096)).toString('utf8');
}

/** Resolve a guest path against dirfd (AT_FDCWD or a directory fd) to a host path. */
export function resolvePath(p: Process, dirfd: number, guestPath: string): string | number {
  if (guestPath === '/proc/self/exe' || guestPath === `/proc/${p.pid}/exe`) return p.exePath;
  if (path.isAbsolute(guestPath)) return guestPath;
  if (dirfd === AT_FDCWD) return path.resolve(p.cwd, guestPath);
  const d = p.fds.get(dirfd);
  if (!d) return -EBADF;
  if (d.kind !== 'dir') return -ENOTDIR;
  return path.resolve(d.path, guestPath);
}

/** The path with every symlink in its existing part resolved (so a link cannot lead out of a grant). */
function realPath(p: string): string {
  let cur = path.resolve(p);
  const rest: string[] = [];
  for (;;) {
    try { return path.join(fs.realpathSync(cur), ...rest.reverse()); } catch { /* not there yet */ }
    const up = path.dirname(cur);
    if (up === cur) return path.resolve(p);
    rest.push(path.basename(cur));
    cur = up;
  }
}

export function writeAllowed(p: Process, hostPath: string): boolean {
  if (!p.allowWrite.length) return false;
  const abs = realPath(hostPath);
  return p.allowWrite.some(g => { const d = realPath(g); return abs === d || abs.startsWith(d + path.sep); });
}

function allocFd(p: Process, min = 0): number {
  let fd = min;
  while (p.fds.has(fd)) fd++;
  return fd >= 1024 ? -EMFILE : fd;
}

function fileOf(p: Process, fd: number): OpenFile | undefined { return p.fds.get(int(fd)); }

function doRead(p: Process, f: OpenFile, buf: number, len: number, pos?: number): number {
  len = ioLen(len);
  let data: Uint8Array;
  switch (f.kind) {
    case 'stdin': data = p.stdio.read(len); break;
    case 'file': {
      const b = Buffer.alloc(len);
      const n = fs.readSync(f.hostFd, b, 0, len, pos ?? f.pos);
      if (pos === undefined) f.pos += n;
      data = b.subarray(0, n);
      break;
    }
    case 'dir': return -EISDIR;
    case 'mem': {
      const at = pos ?? f.pos;
      data = f.data!.subarray(Math.min(at, f.data!.length), Math.min(at + len, f.data!.length));
      if (pos === undefined) f.pos += data.length;
      break;
    }
    case 'pipe': {
      if (f.pipeEnd !== 'r') return -EBADF;
      const pb = f.pipe!;
      if (pb.length === 0) {
        // Empty: end of file once no writer is left. Alone in the machine, nobody else could fill it
        // (the process itself holds the writer): that reads as end of file too.
        if (pb.writers === 0 || !p.machine.multi) return 0;
        if (f.flags & O_NONBLOCK) return -EAGAIN;
        return BLOCKED;
      }
      data = pb.read(len);
      break;
    }
    default: return -EBADF;
  }
  p.mem.writeBytes(buf, data);
  return data.length;
}

function doWrite(p: Process, f: OpenFile, data: Uint8Array, pos?: number): number {
  switch (f.kind) {
    case 'stdout': case 'stderr':
      try { p.stdio.write(f.kind === 'stdout' ? 1 : 2, data); } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EPIPE') throw e;
        // Writing to a pipe nobody reads: SIGPIPE (SI_USER from ourselves, as send_sig does), and EPIPE.
        p.kill(SIGPIPE, { code: 0, pid: p.pid, uid: process.getuid?.() ?? 0 });
        return -EPIPE;
      }
      return data.length;
    case 'file': {
      if ((f.flags & O_ACCMODE) === 0) return -EBADF;
      const n = fs.writeSync(f.hostFd, data, 0, data.length, f.flags & O_APPEND ? null : pos ?? f.pos);
      if (pos === undefined) f.pos += n;
      return n;
    }
    case 'pipe': {
      if (f.pipeEnd !== 'w') return -EBADF;
      return pipeWrite(p, f, data);
    }
    default: return -EBADF;
  }
}

/**
 * pipe_write: with no reader left, SIGPIPE and EPIPE. Otherwise, with other processes running, the pipe
 * holds PIPE_SIZE bytes: a write of up to PIPE_BUF bytes goes in whole or waits; a bigger one goes in as
 * room appears, the writer waiting between (a signal then ends it with the count written so far).
 * Alone in the machine the process cannot wait for a reader, and the buffer just grows.
 */
function pipeWrite(p: Process, f: OpenFile, data: Uint8Array): number {
  const pb = f.pipe!;
  let done = 0;
  const attempt = (): number => {
    if (pb.readers === 0) {
      // SIGPIPE from the kernel on the writer's behalf (send_sig: SI_USER from the writer itself).
      p.kill(SIGPIPE, { code: 0, pid: p.pid, uid: process.getuid?.() ?? 0 });
      return done || -EPIPE;
    }
    if (!p.machine.multi) { pb.write(data.subarray(done)); return data.length; }
    const room = PIPE_SIZE - pb.length;
    if (data.length <= PIPE_BUF) {
      if (room >= data.length) { pb.write(data); return data.length; }
    } else if (room > 0) {
      const k = Math.min(room, data.length - done);
      pb.write(data.subarray(done, done + k));
      done += k;
      if (done === data.length) return done;
    }
    if (f.flags & O_NONBLOCK) return done || -EAGAIN;
    const s = p.interrupted(true);
    if (s) return done || s;
    return BLOCKED;
  };
  return p.waitFor(attempt);
}

/** A read that may have to wait (a pipe): retried until it has data, end of file, or a signal. */
function blockingRead(p: Process, op: () => number): number {
  return p.waitFor(() => {
    const r = op();
    if (r !== BLOCKED) return r;
    return p.interrupted(true) || BLOCKED;
  });
}

defSyscall(0, 'read', (p, a) => {
  const f = fileOf(p, a[0]); if (!f) return -EBADF;
  return blockingRead(p, () => guarded(() => { p.mem.checkWritable(a[1], Math.max(1, Math.min(a[2], 1))); return doRead(p, f, a[1], a[2]); }));
});
defSyscall(17, 'pread64', (p, a) => {
  const f = fileOf(p, a[0]); if (!f) return -EBADF;
  if (f.kind !== 'file' && f.kind !== 'mem') return -ESPIPE;
  return guarded(() => doRead(p, f, a[1], a[2], a[3]));
});
defSyscall(1, 'write', (p, a) => {
  const f = fileOf(p, a[0]); if (!f) return -EBADF;
  return guarded(() => doWrite(p, f, p.mem.readBytes(a[1], ioLen(a[2]))));
});
defSyscall(18, 'pwrite64', (p, a) => {
  const f = fileOf(p, a[0]); if (!f) return -EBADF;
  if (f.kind !== 'file') return -ESPIPE;
  return guarded(() => doWrite(p, f, p.mem.readBytes(a[1], ioLen(a[2])), a[3]));
});

function iov(p: Process, addr: number, cnt: number): [number, number][] {
  const v: [number, number][] = [];
  for (let k = 0; k < cnt; k++) v.push([p.mem.readPtr(addr + 16 * k), p.mem.readPtr(addr + 16 * k + 8)]);
  return v;
}
defSyscall(20, 'writev', (p, a) => {
  const f = fileOf(p, a[0]); if (!f) return -EBADF;
  if (a[2] < 0 || a[2] > 1024) return -EINVAL;
  return guarded(() => {
    const v = iov(p, a[1], a[2]);
    if (v.some(([, l]) => l < 0)) return -EINVAL; // an iov_len of 2^63 or more
    const parts = v.map(([b, l]) => p.mem.readBytes(b, ioLen(l)));
    const all = Buffer.concat(parts);
    return all.length ? doWrite(p, f, all) : 0;
  });
});
defSyscall(19, 'readv', (p, a) => {
  const f = fileOf(p, a[0]); if (!f) return -EBADF;
  if (a[2] < 0 || a[2] > 1024) return -EINVAL;
  return blockingRead(p, () => guarded(() => {
    let total = 0;
    const v = iov(p, a[1], a[2]);
    if (v.some(([, l]) => l < 0)) return -EINVAL; // an iov_len of 2^63 or more
    for (const [b, l] of v) {
      if (!l) continue;
      const n = doRead(p, f, b, l);
      if (n === BLOCKED) return total || n;
      if (n < 0) return total || n;
      total += n;
      if (n < l) break;
    }
    return total;
  }));
});

function openAt(p: Process, dirfd: number, pathAddr: number, flags: number, mode: number): number {
  return guarded(() => {
    const gp = readPath(p, pathAddr);
    if (gp === '') return -ENOENT;
    const procEntry = path.isAbsolute(gp) ? procSelfEntry(p, gp) : null;
    if (procEntry !== null && procEntry !== 'exe') {
      // The process's own /proc files describe the guest, not the emulator: generated, or absent.
      const data = procFile(p, procEntry);
      if (!data) return -ENOENT;
      if ((int(flags) & O_ACCMODE) !== 0) return -EACCES;
      const fd = allocFd(p);
      if (fd < 0) return fd;
      p.fds.set(fd, { kind: 'mem', hostFd: -1, path: gp, pos: 0, flags: int(flags), data });
      if (int(flags) & O_CLOEXEC) p.fds.cloexec.add(fd);
      return fd;
    }
    const hp = resolvePath(p, int(dirfd), gp);
    if (typeof hp === 'number') return hp;
    flags = int(flags);
    const wants = (flags & O_ACCMODE) !== 0 || (flags & (O_CREAT | O_TRUNC)) !== 0;
    // Opening /dev/null for writing changes nothing on the host (shells redirect there all the time).
    if (wants && !writeAllowed(p, hp) && path.resolve(hp) !== '/dev/null') return -EACCES;
    let st: fs.Stats | undefined;
    try { st = fs.statSync(hp); } catch (e) { if (!(flags & O_CREAT)) return hostErrno(e); }
    if ((flags & O_DIRECTORY) && st && !st.isDirectory()) return -ENOTDIR;
    const fd = allocFd(p);
    if (fd < 0) return fd;
    let hostFd: number;
    try {
      if (st?.isDirectory()) {
        if ((flags & O_ACCMODE) !== 0) return -EISDIR;
        hostFd = fs.openSync(hp, 'r');
      } else {
        hostFd = fs.openSync(hp, nodeFlags(flags), mode & ~p.umask & 0o7777);
      }
    } catch (e) { return hostErrno(e); }
    p.fds.set(fd, { kind: st?.isDirectory() ? 'dir' : 'file', hostFd, path: hp, pos: 0, flags });
    if (flags & O_CLOEXEC) p.fds.cloexec.add(fd);
    return fd;
  });
}

function nodeFlags(flags: number): number {
  const c = fs.constants;
  let f = [c.O_RDONLY, c.O_WRONLY, c.O_RDWR][flags & O_ACCMODE] ?? c.O_RDONLY;
  if (flags & O_CREAT) f |= c.O_CREAT;
  if (flags & O_TRUNC) f |= c.O_TRUNC;
  if (flags & O_APPEND) f |= c.O_APPEND;
  if (flags & O_EXCL) f |= c.O_EXCL;
  return f;
}

defSyscall(2, 'open', (p, a) => openAt(p, AT_FDCWD, a[0], a[1], a[2]));
defSyscall(257, 'openat', (p, a) => openAt(p, a[0], a[1], a[2], a[3]));
defSyscall(85, 'creat', (p, a) => openAt(p, AT_FDCWD, a[0], 0x241, a[1]));

export function closeFd(p: Process, fd: number): number {
  // The description closes with its last descriptor (in any process): see FdTable.
  return p.fds.delete(fd) ? 0 : -EBADF;
}
defSyscall(3, 'close', (p, a) => closeFd(p, int(a[0])));

// ---- stat -----------------------------------------------------------------------------------------

export function hostStatOfFile(p: Process, f: OpenFile): fs.BigIntStats {
  switch (f.kind) {
    case 'stdin': return fs.fstatSync(0, { bigint: true });
    case 'stdout': return fs.fstatSync(1, { bigint: true });
    case 'stderr': return fs.fstatSync(2, { bigint: true });
    case 'pipe': return pipeStat();
    case 'mem': return procStat();
    default: return fs.fstatSync(f.hostFd, { bigint: true });
  }
}

function pipeStat(): fs.BigIntStats {
  const z = 0n;
  return { dev: 12n, ino: 1000n, mode: BigInt(0o10600), nlink: 1n, uid: z, gid: z, rdev: z, size: z, blksize: 4096n, blocks: z,
    atimeMs: z, mtimeMs: z, ctimeMs: z, birthtimeMs: z, atimeNs: z, mtimeNs: z, ctimeNs: z, birthtimeNs: z } as unknown as fs.BigIntStats;
}

/** A /proc file: a regular read-only file whose size reads as 0. */
function procStat(): fs.BigIntStats {
  const z = 0n;
  return { dev: 22n, ino: 4026531840n, mode: BigInt(0o100444), nlink: 1n, uid: z, gid: z, rdev: z, size: z, blksize: 1024n, blocks: z,
    atimeMs: z, mtimeMs: z, ctimeMs: z, birthtimeMs: z, atimeNs: z, mtimeNs: z, ctimeNs: z, birthtimeNs: z } as unknown as fs.BigIntStats;
}

export function writeStat(p: Process, addr: number, st: fs.BigIntStats): void {
  const b = Buffer.alloc(144);
  b.writeBigUInt64LE(BigInt.asUintN(64, st.dev), 0);
  b.writeBigUInt64LE(BigInt.asUintN(64, st.ino), 8);
  b.writeBigUInt64LE(BigInt.asUintN(64, st.nlink), 16);
  b.writeUInt32LE(Number(st.mode), 24);
  b.writeUInt32LE(Number(st.uid), 28);
  b.writeUInt32LE(Number(st.gid), 32);
  b.writeBigUInt64LE(BigInt.asUintN(64, st.rdev), 40);
  b.writeBigInt64LE(st.size, 48);
  b.writeBigInt64LE(st.blksize, 56);
  b.writeBigInt64LE(st.blocks, 64);
  const ts = (ns: bigint, o: number): void => { b.writeBigInt64LE(ns / 1000000000n, o); b.writeBigInt64LE(ns % 1000000000n, o + 8); };
  ts(st.atimeNs ?? 0n, 72); ts(st.mtimeNs ?? 0n, 88); ts(st.ctimeNs ?? 0n, 104);
  p.mem.writeBytes(addr, b);
}

defSyscall(5, 'fstat', (p, a) => {
  const f = fileOf(p, a[0]); if (!f) return -EBADF;
  return guarded(() => { writeStat(p, a[1], hostStatOfFile(p, f)); return 0; });
});

function statPath(p: Process, dirfd: number, pathAddr: number, buf: number, flags: number): number {
  return guarded(() => {
    const gp = readPath(p, pathAddr);
    if (gp === '' && (flags & AT_EMPTY_PATH)) {
      const f = fileOf(p, dirfd); if (!f) return -EBADF;
      writeStat(p, buf, hostStatOfFile(p, f)); return 0;
    }
    if (gp === '') return -ENOENT;
    const hp = resolvePath(p, int(dirfd), gp);
    if (typeof hp === 'number') return hp;
    try {
      const st = flags & AT_SYMLINK_NOFOLLOW ? fs.lstatSync(hp, { bigint: true }) : fs.statSync(hp, { bigint: true });
      writeStat(p, buf, st);
      return 0;
    } catch (e) { return hostErrno(e); }
  });
}
defSyscall(4, 'stat', (p, a) => statPath(p, AT_FDCWD, a[0], a[1], 0));
defSyscall(6, 'lstat', (p, a) => statPath(p, AT_FDCWD, a[0], a[1], AT_SYMLINK_NOFOLLOW));
defSyscall(262, 'newfstatat', (p, a) => statPath(p, a[0], a[1], a[2], int(a[3])));

defSyscall(8, 'lseek', (p, a) => {
  const f = fileOf(p, a[0]); if (!f) return -EBADF;
  if (f.kind !== 'file' && f.kind !== 'dir' && f.kind !== 'mem') return -ESPIPE;
  const whence = int(a[2]);
  let base: number;
  if (whence === 0) base = 0; else if (whence === 1) base = f.pos;
  else if (whence === 2) base = f.kind === 'mem' ? f.data!.length : fs.fstatSync(f.hostFd).size; else return -EINVAL;
  const np = base + a[1];
  if (np < 0) return -EINVAL;
  f.pos = np;
  if (f.kind === 'dir') f.dirPos = np;
  return np;
});

const TCGETS = 0x5401, TIOCGWINSZ = 0x5413, FIONBIO = 0x5421;
defSyscall(16, 'ioctl', (p, a) => {
  const fd = int(a[0]);
  const f = p.fds.get(fd); if (!f) return -EBADF;
  const req = int(a[1]) >>> 0;
  const hostFd = f.kind === 'stdin' ? 0 : f.kind === 'stdout' ? 1 : f.kind === 'stderr' ? 2 : -1;
  const tty = hostFd >= 0 && p.stdio.isatty(hostFd);
  if (req === TCGETS || req === TIOCGWINSZ) {
    if (!tty) return -ENOTTY;
    return guarded(() => {
      if (req === TIOCGWINSZ) {
        const cols = (process.stdout as { columns?: number }).columns ?? 80, rows = (process.stdout as { rows?: number }).rows ?? 24;
        p.mem.write16(a[2], rows); p.mem.write16(a[2] + 2, cols); p.mem.write32(a[2] + 4, 0);
      } else {
        // A plausible termios for a terminal in canonical mode.
        const t = Buffer.alloc(60);
        t.writeUInt32LE(0x500, 0); t.writeUInt32LE(0x5, 4); t.writeUInt32LE(0xbf, 8); t.writeUInt32LE(0x8a3b, 12);
        p.mem.writeBytes(a[2], t);
      }
      return 0;
    });
  }
  if (req === FIONBIO) return 0;
  return -ENOTTY;
});

function readlinkImpl(p: Process, dirfd: number, pathAddr: number, buf: number, size: number): number {
  return guarded(() => {
    const gp = readPath(p, pathAddr);
    if (int(size) <= 0) return -EINVAL;
    let target: string;
    if (gp === '/proc/self/exe' || gp === `/proc/${p.pid}/exe`) target = p.exePath;
    else {
      const hp = resolvePath(p, int(dirfd), gp);
      if (typeof hp === 'number') return hp;
      try { target = fs.readlinkSync(hp); } catch (e) { return hostErrno(e); }
    }
    const b = Buffer.from(target, 'utf8').subarray(0, size);
    p.mem.writeBytes(buf, b);
    return b.length;
  });
}
defSyscall(89, 'readlink', (p, a) => readlinkImpl(p, AT_FDCWD, a[0], a[1], a[2]));
defSyscall(267, 'readlinkat', (p, a) => readlinkImpl(p, a[0], a[1], a[2], a[3]));

function accessImpl(p: Process, dirfd: number, pathAddr: number, mode: number): number {
  return guarded(() => {
    const hp = resolvePath(p, int(dirfd), readPath(p, pathAddr));
    if (typeof hp === 'number') return hp;
    try { fs.accessSync(hp, fs.constants.F_OK); } catch (e) { return hostErrno(e); }
    if ((mode & 2) && !writeAllowed(p, hp)) return -EACCES;
    try { fs.accessSync(hp, mode & 7); return 0; } catch (e) { return hostErrno(e); }
  });
}
defSyscall(21, 'access', (p, a) => accessImpl(p, AT_FDCWD, a[0], int(a[1])));
defSyscall(269, 'faccessat', (p, a) => accessImpl(p, a[0], a[1], int(a[2])));
defSyscall(439, 'faccessat2', (p, a) => accessImpl(p, a[0], a[1], int(a[2])));

defSyscall(79, 'getcwd', (p, a) => guarded(() => {
  const b = Buffer.from(p.cwd + '\0', 'utf8');
  if (b.length > a[1]) return -ERANGE;
  p.mem.writeBytes(a[0], b);
  return b.length;
}));

defSyscall(80, 'chdir', (p, a) => guarded(() => {
  const hp = resolvePath(p, AT_FDCWD, readPath(p, a[0]));
  if (typeof hp === 'number') return hp;
  try { if (!fs.statSync(hp).isDirectory()) return -ENOTDIR; } catch (e) { return hostErrno(e); }
  p.cwd = hp;
  return 0;
}));

defSyscall(217, 'getdents64', (p, a) => {
  const f = fileOf(p, a[0]); if (!f) return -EBADF;
  if (f.kind !== 'dir') return -ENOTDIR;
  return guarded(() => {
    if (!f.dirents) {
      const list = fs.readdirSync(f.path, { withFileTypes: true });
      const typeOf = (d: fs.Dirent): number => d.isDirectory() ? 4 : d.isFile() ? 8 : d.isSymbolicLink() ? 10 : d.isFIFO() ? 1 : d.isSocket() ? 12 : d.isCharacterDevice() ? 2 : d.isBlockDevice() ? 6 : 0;
      const ino = (n: string): number => { try { return Number(fs.lstatSync(path.join(f.path, n)).ino); } catch { return 0; } };
      f.dirents = [{ name: '.', type: 4, ino: ino('.') }, { name: '..', type: 4, ino: ino('..') },
        ...list.map(d => ({ name: d.name, type: typeOf(d), ino: ino(d.name) }))];
      f.dirPos = 0;
    }
    const out: Buffer[] = [];
    let used = 0;
    while (f.dirPos! < f.dirents.length) {
      const d = f.dirents[f.dirPos!];
      const nb = Buffer.from(d.name, 'utf8');
      const reclen = (19 + nb.length + 1 + 7) & ~7;
      if (used + reclen > a[2]) break;
      const r = Buffer.alloc(reclen);
      r.writeBigUInt64LE(BigInt(d.ino), 0);
      r.writeBigInt64LE(BigInt(f.dirPos! + 1), 8);
      r.writeUInt16LE(reclen, 16);
      r.writeUInt8(d.type, 18);
      nb.copy(r, 19);
      out.push(r); used += reclen; f.dirPos!++;
    }
    if (out.length === 0 && f.dirPos! < f.dirents.length) return -EINVAL;
    p.mem.writeBytes(a[1], Buffer.concat(out));
    return used;
  });
});

const F_DUPFD = 0, F_GETFD = 1, F_SETFD = 2, F_GETFL = 3, F_SETFL = 4, F_DUPFD_CLOEXEC = 1030;
defSyscall(72, 'fcntl', (p, a) => {
  const fd = int(a[0]);
  const f = p.fds.get(fd); if (!f) return -EBADF;
  switch (int(a[1])) {
    case F_DUPFD: case F_DUPFD_CLOEXEC: {
      const n = allocFd(p, int(a[2])); if (n < 0) return n;
      p.fds.set(n, f);
      if (int(a[1]) === F_DUPFD_CLOEXEC) p.fds.cloexec.add(n);
      return n;
    }
    case F_GETFD: return p.fds.cloexec.has(fd) ? 1 : 0;
    case F_SETFD: if (int(a[2]) & 1) p.fds.cloexec.add(fd); else p.fds.cloexec.delete(fd); return 0;
    case F_GETFL: return f.flags | (f.kind === 'stdout' || f.kind === 'stderr' ? 1 : 0);
    case F_SETFL: f.flags = (f.flags & O_ACCMODE) | (int(a[2]) & ~O_ACCMODE); return 0;
  }
  return -EINVAL;
});

defSyscall(32, 'dup', (p, a) => {
  const f = fileOf(p, a[0]); if (!f) return -EBADF;
  const n = allocFd(p); if (n < 0) return n;
  p.fds.set(n, f);
  return n;
});
function dup3(p: Process, oldfd: number, newfd: number, flags: number): number {
  const f = p.fds.get(oldfd); if (!f) return -EBADF;
  if (newfd < 0 || newfd >= 1024) return -EBADF;
  if (flags & ~O_CLOEXEC) return -EINVAL;
  // Both descriptors then name one open file description (offset and status flags shared).
  p.fds.set(newfd, f);
  if (flags & O_CLOEXEC) p.fds.cloexec.add(newfd);
  return newfd;
}
defSyscall(33, 'dup2', (p, a) => int(a[0]) === int(a[1]) ? (p.fds.has(int(a[0])) ? int(a[0]) : -EBADF) : dup3(p, int(a[0]), int(a[1]), 0));
defSyscall(292, 'dup3', (p, a) => int(a[0]) === int(a[1]) ? -EINVAL : dup3(p, int(a[0]), int(a[1]), int(a[2])));

function pipeImpl(p: Process, addr: number, flags: number): number {
  if (flags & ~(O_CLOEXEC | O_NONBLOCK)) return -EINVAL;
  return guarded(() => {
    p.mem.checkWritable(addr, 8);
    const r = allocFd(p); if (r < 0) return r;
    const pipe = new Pipe();
    pipe.readers = pipe.writers = 1;
    const rf: OpenFile = { kind: 'pipe', hostFd: -1, path: 'pipe:', pos: 0, flags: flags & O_NONBLOCK, pipe, pipeEnd: 'r' };
    const wf: OpenFile = { kind: 'pipe', hostFd: -1, path: 'pipe:', pos: 0, flags: 1 | (flags & O_NONBLOCK), pipe, pipeEnd: 'w' };
    p.fds.set(r, rf);
    const w = allocFd(p); if (w < 0) { p.fds.delete(r); pipe.writers = 0; return w; }
    p.fds.set(w, wf);
    if (flags & O_CLOEXEC) { p.fds.cloexec.add(r); p.fds.cloexec.add(w); }
    p.mem.write32(addr, r); p.mem.write32(addr + 4, w);
    return 0;
  });
}
defSyscall(22, 'pipe', (p, a) => pipeImpl(p, a[0], 0));
defSyscall(293, 'pipe2', (p, a) => pipeImpl(p, a[0], int(a[1])));

// Host-modifying calls: refused unless the path is inside a granted directory.
function modifying(name: string, nr: number, pathArgs: number[], op: (p: Process, paths: string[], a: number[]) => void): void {
  defSyscall(nr, name, (p, a) => guarded(() => {
    const paths: string[] = [];
    for (const k of pathArgs) {
      const dirfd = k >= 100 ? int(a[k - 100]) : AT_FDCWD;
      const idx = k >= 100 ? k - 99 : k;
      const hp = resolvePath(p, dirfd, readPath(p, a[idx]));
      if (typeof hp === 'number') return hp;
      if (!writeAllowed(p, hp)) return -EACCES;
      paths.push(hp);
    }
    try { op(p, paths, a); return 0; } catch (e) { return hostErrno(e); }
  }));
}
modifying('unlink', 87, [0], (_p, [x]) => fs.unlinkSync(x));
modifying('unlinkat', 263, [100], (_p, [x], a) => (int(a[2]) & 0x200 ? fs.rmdirSync(x) : fs.unlinkSync(x)));
modifying('mkdir', 83, [0], (p, [x], a) => fs.mkdirSync(x, int(a[1]) & ~p.umask));
modifying('mkdirat', 258, [100], (p, [x], a) => fs.mkdirSync(x, int(a[2]) & ~p.umask));
modifying('rmdir', 84, [0], (_p, [x]) => fs.rmdirSync(x));
modifying('rename', 82, [0, 1], (_p, [x, y]) => fs.renameSync(x, y));
modifying('chmod', 90, [0], (_p, [x], a) => fs.chmodSync(x, int(a[1])));
modifying('truncate', 76, [0], (_p, [x], a) => fs.truncateSync(x, a[1]));
modifying('symlink', 88, [1], () => { throw Object.assign(new Error(), { code: 'EACCES' }); });
modifying('link', 86, [0, 1], (_p, [x, y]) => fs.linkSync(x, y));
defSyscall(264, 'renameat', () => -EACCES);
defSyscall(316, 'renameat2', () => -EACCES);
defSyscall(268, 'fchmodat', () => -EACCES);
defSyscall(91, 'fchmod', (p, a) => { const f = fileOf(p, a[0]); if (!f) return -EBADF; return writeAllowed(p, f.path) ? 0 : -EACCES; });
defSyscall(77, 'ftruncate', (p, a) => {
  const f = fileOf(p, a[0]); if (!f) return -EBADF;
  if (f.kind !== 'file' || (f.flags & O_ACCMODE) === 0) return -EINVAL;
  try { fs.ftruncateSync(f.hostFd, a[1]); return 0; } catch (e) { return hostErrno(e); }
});
defSyscall(74, 'fsync', (p, a) => (fileOf(p, a[0]) ? 0 : -EBADF));
defSyscall(75, 'fdatasync', (p, a) => (fileOf(p, a[0]) ? 0 : -EBADF));
defSyscall(95, 'umask', (p, a) => { const o = p.umask; p.umask = int(a[0]) & 0o777; return o; });
