// The few /proc files a program reads about itself, generated from the emulated process (never the
// host's, which would describe the emulator): maps (in the kernel's exact format), cmdline, environ,
// comm. Other paths under /proc/self do not exist here.

import type { Process } from './process';
import type { Vma } from '../memory';

/** For a path naming this process's /proc directory, the file inside it (e.g. "maps"); else null. */
export function procSelfEntry(p: Process, guestPath: string): string | null {
  const m = /^\/proc\/(self|thread-self|\d+)(?:\/task\/\d+)?\/(.+)$/.exec(guestPath.replace(/\/+/g, '/'));
  if (!m) return null;
  if (m[1] !== 'self' && m[1] !== 'thread-self' && Number(m[1]) !== p.pid) return null;
  return m[2];
}

/** Contents of /proc/self/<entry>, or null if we do not provide it. */
export function procFile(p: Process, entry: string): Uint8Array | null {
  const nul = (l: (string | Uint8Array)[]): Uint8Array =>
    Buffer.concat(l.map(s => Buffer.concat([typeof s === 'string' ? Buffer.from(s, 'utf8') : s, Buffer.from([0])])));
  switch (entry) {
    case 'maps': return Buffer.from(renderMaps(p.mem.vmas, p), 'utf8');
    case 'cmdline': return nul(p.argv);
    case 'environ': return nul(p.envp);
    case 'comm': return Buffer.from(p.comm + '\n', 'utf8');
  }
  return null;
}

/** dev_t as st_dev gives it, split into major and minor as the kernel's new_encode_dev packs them. */
function majorMinor(dev: bigint): [number, number] {
  const major = Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn));
  const minor = Number((dev & 0xffn) | ((dev >> 12n) & ~0xffn));
  return [major, minor];
}

const hex = (v: number, w: number): string => v.toString(16).padStart(w, '0');

/**
 * /proc/PID/maps: one line per mapping as show_map_vma prints it, "start-end perms offset maj:min inode ",
 * then for a named mapping padding to column 72 and a space before the name. Neighbouring anonymous
 * VMAs with the same protection, which the kernel would have merged, are printed as one.
 */
export function renderMaps(vmas: Vma[], p?: Process): string {
  const merged: Vma[] = [];
  for (const v of vmas) {
    const last = merged[merged.length - 1];
    // Only anonymous neighbours merge: file mappings come from separate mmap calls (or a RELRO mprotect
    // of a once-writable private mapping), which the kernel keeps apart.
    if (last && last.end === v.start && last.prot === v.prot && last.name === v.name && !last.file && !v.file) {
      merged[merged.length - 1] = { ...last, end: v.end };
    } else {
      merged.push(v);
    }
  }
  let out = '';
  for (const v of merged) {
    let dev = '00:00', ino = '0', off = 0;
    if (v.file) {
      const [d, i] = v.file.ident.split(':');
      const [maj, min] = majorMinor(BigInt(d));
      dev = `${hex(maj, 2)}:${hex(min, 2)}`;
      ino = i;
      off = v.file.offset;
    }
    let name = v.name;
    if (p && !v.file && !name && v.start < p.brk && v.end > p.brkStart) name = '[heap]';
    let line = `${hex(v.start, 8)}-${hex(v.end, 8)} ${v.prot & 1 ? 'r' : '-'}${v.prot & 2 ? 'w' : '-'}${v.prot & 4 ? 'x' : '-'}p ` +
      `${hex(off, 8)} ${dev} ${ino} `;
    // seq_pad: spaces up to column 72, then one more before the name (so always at least one).
    if (name) line = line.padEnd(72, ' ') + ' ' + name;
    out += line + '\n';
  }
  return out;
}
