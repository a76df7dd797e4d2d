// File metadata calls that dynamically linked tools make through glibc: statx (coreutils' stat, ls -l),
// statfs/fstatfs, the extended-attribute getters (refused: the emulator models no xattrs, as on a file
// system without them), posix_fadvise (advice only), and fchdir (find returns to its start directory).

import * as fs from 'node:fs';
import { defSyscall } from './table';
import type { Process } from '../process';
import { EBADF, ENOENT, ENOTDIR, EOPNOTSUPP, hostErrno, int } from './errno';
import { guarded, readPath, resolvePath, hostStatOfFile } from './fs';

const AT_FDCWD = -100, AT_SYMLINK_NOFOLLOW = 0x100, AT_EMPTY_PATH = 0x1000;
const STATX_BASIC_STATS = 0x7ff, STATX_BTIME = 0x800;

/** Linux's dev_t split (new_decode_dev). */
function devParts(dev: bigint): [number, number] {
  const major = Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn));
  const minor = Number((dev & 0xffn) | ((dev >> 12n) & ~0xffn));
  return [major, minor];
}

function writeStatx(p: Process, addr: number, st: fs.BigIntStats): void {
  const b = Buffer.alloc(256);
  const btime = st.birthtimeNs !== undefined && st.birthtimeNs !== 0n;
  b.writeUInt32LE(STATX_BASIC_STATS | (btime ? STATX_BTIME : 0), 0);
  b.writeUInt32LE(Number(st.blksize), 4);
  b.writeUInt32LE(Number(st.nlink), 16);
  b.writeUInt32LE(Number(st.uid), 20);
  b.writeUInt32LE(Number(st.gid), 24);
  b.writeUInt16LE(Number(st.mode) & 0xffff, 28);
  b.writeBigUInt64LE(BigInt.asUintN(64, st.ino), 32);
  b.writeBigUInt64LE(BigInt.asUintN(64, st.size), 40);
  b.writeBigUInt64LE(BigInt.asUintN(64, st.blocks), 48);
  const ts = (ns: bigint | undefined, o: number): void => {
    const v = ns ?? 0n;
    const sec = v >= 0n ? v / 1000000000n : -((-v + 999999999n) / 1000000000n);
    b.writeBigInt64LE(sec, o);
    b.writeUInt32LE(Number(v - sec * 1000000000n), o + 8);
  };
  ts(st.atimeNs, 64);
  if (btime) ts(st.birthtimeNs, 80);
  ts(st.ctimeNs, 96);
  ts(st.mtimeNs, 112);
  const [rmaj, rmin] = devParts(BigInt.asUintN(64, st.rdev));
  const [dmaj, dmin] = devParts(BigInt.asUintN(64, st.dev));
  b.writeUInt32LE(rmaj, 128); b.writeUInt32LE(rmin, 132);
  b.writeUInt32LE(dmaj, 136); b.writeUInt32LE(dmin, 140);
  p.mem.writeBytes(addr, b);
}

defSyscall(332, 'statx', (p, a) => guarded(() => {
  const dirfd = int(a[0]), flags = int(a[2]), buf = a[4];
  const gp = readPath(p, a[1]);
  if (gp === '' && (flags & AT_EMPTY_PATH)) {
    if (dirfd === AT_FDCWD) {
      try { writeStatx(p, buf, fs.statSync(p.cwd, { bigint: true })); return 0; } catch (e) { return hostErrno(e); }
    }
    const f = p.fds.get(dirfd); if (!f) return -EBADF;
    writeStatx(p, buf, hostStatOfFile(p, f));
    return 0;
  }
  if (gp === '') return -ENOENT;
  const hp = resolvePath(p, dirfd, gp);
  if (typeof hp === 'number') return hp;
  try {
    writeStatx(p, buf, flags & AT_SYMLINK_NOFOLLOW ? fs.lstatSync(hp, { bigint: true }) : fs.statSync(hp, { bigint: true }));
    return 0;
  } catch (e) { return hostErrno(e); }
}));

const ST_VALID = 0x20;
const NAME_MAX = 255;

function writeStatfs(p: Process, addr: number, hostPath: string): number {
  let s: fs.BigIntStatsFs;
  try { s = fs.statfsSync(hostPath, { bigint: true }); } catch (e) { return hostErrno(e); }
  const b = Buffer.alloc(120);
  b.writeBigInt64LE(s.type, 0);
  b.writeBigInt64LE(s.bsize, 8);
  b.writeBigUInt64LE(s.blocks, 16);
  b.writeBigUInt64LE(s.bfree, 24);
  b.writeBigUInt64LE(s.bavail, 32);
  b.writeBigUInt64LE(s.files, 40);
  b.writeBigUInt64LE(s.ffree, 48);
  b.writeBigInt64LE(BigInt(NAME_MAX), 64);
  b.writeBigInt64LE(s.bsize, 72);
  b.writeBigInt64LE(BigInt(ST_VALID), 80);
  p.mem.writeBytes(addr, b);
  return 0;
}

defSyscall(137, 'statfs', (p, a) => guarded(() => {
  const hp = resolvePath(p, AT_FDCWD, readPath(p, a[0]));
  if (typeof hp === 'number') return hp;
  return writeStatfs(p, a[1], hp);
}));

defSyscall(138, 'fstatfs', (p, a) => guarded(() => {
  const f = p.fds.get(int(a[0])); if (!f) return -EBADF;
  if (f.kind !== 'file' && f.kind !== 'dir') return -EOPNOTSUPP;
  return writeStatfs(p, a[1], f.path);
}));

// getxattr, lgetxattr, fgetxattr, listxattr, llistxattr, flistxattr
for (const [nr, name] of [[191, 'getxattr'], [192, 'lgetxattr'], [193, 'fgetxattr'], [194, 'listxattr'],
  [195, 'llistxattr'], [196, 'flistxattr']] as const) {
  defSyscall(nr, name, () => -EOPNOTSUPP);
}

defSyscall(221, 'fadvise64', (p, a) => (p.fds.has(int(a[0])) ? 0 : -EBADF));

defSyscall(81, 'fchdir', (p, a) => {
  const f = p.fds.get(int(a[0])); if (!f) return -EBADF;
  if (f.kind !== 'dir') return -ENOTDIR;
  p.cwd = f.path;
  return 0;
});
