// The guest's open files over the host: stdio, read-only host files and directories, pipes. An OpenFile
// is an open file description: descriptors made by dup, and the copies a fork gives its child, share
// one (and so its offset and status flags); it is closed when the last descriptor on it goes.

import * as fs from 'node:fs';

export interface OpenFile {
  kind: 'stdin' | 'stdout' | 'stderr' | 'file' | 'dir' | 'pipe' | 'mem';
  /** Host descriptor for files and directories (-1 for stdio handled by callbacks). */
  hostFd: number;
  path: string;
  pos: number;
  flags: number;
  /** Directory listing for getdents64, built on first read. */
  dirents?: { name: string; type: number; ino: number }[];
  dirPos?: number;
  /** Descriptors, in every process, that refer to this description (see fdtable.ts). */
  refs?: number;
  /** For pipes: the shared buffer. */
  pipe?: Pipe;
  /** The pipe end: read or write. */
  pipeEnd?: 'r' | 'w';
  /** For 'mem' files (generated /proc contents): the bytes, fixed when opened. */
  data?: Uint8Array;
}

/** Bytes a pipe holds before writers wait (Linux's default pipe size: 16 pages). */
export const PIPE_SIZE = 65536;
/** Writes up to this size are atomic: all or nothing (PIPE_BUF). */
export const PIPE_BUF = 4096;

/** A pipe's buffer and how many descriptors hold each end open. */
export class Pipe {
  private chunks: Uint8Array[] = [];
  /** Bytes buffered. */
  length = 0;
  readers = 0;
  writers = 0;

  /** Take up to `n` bytes. */
  read(n: number): Uint8Array {
    n = Math.min(n, this.length);
    const out = new Uint8Array(n);
    let done = 0;
    while (done < n) {
      const c = this.chunks[0];
      const k = Math.min(c.length, n - done);
      out.set(c.subarray(0, k), done);
      done += k;
      if (k === c.length) this.chunks.shift(); else this.chunks[0] = c.subarray(k);
    }
    this.length -= n;
    return out;
  }

  write(data: Uint8Array): void {
    if (!data.length) return;
    this.chunks.push(data.slice());
    this.length += data.length;
  }
}

/**
 * A process's descriptor table: descriptor -> open file description, plus the close-on-exec flags. Every
 * entry holds a reference on its description; the last one to go closes it (the host descriptor, or its
 * end of a pipe).
 */
export class FdTable extends Map<number, OpenFile> {
  /** Descriptors with FD_CLOEXEC. */
  readonly cloexec = new Set<number>();

  /** Point `fd` at `f` (closing what it named before); the close-on-exec flag starts clear. */
  override set(fd: number, f: OpenFile): this {
    const old = super.get(fd);
    f.refs = (f.refs ?? 0) + 1;
    super.set(fd, f);
    this.cloexec?.delete(fd);
    if (old) unref(old);
    return this;
  }

  /** close(fd). */
  override delete(fd: number): boolean {
    const f = super.get(fd);
    if (!f) return false;
    super.delete(fd);
    this.cloexec.delete(fd);
    unref(f);
    return true;
  }

  /** fork: the same descriptions, one more reference each, the same flags. */
  copy(): FdTable {
    const t = new FdTable();
    for (const [fd, f] of this) t.set(fd, f);
    for (const fd of this.cloexec) t.cloexec.add(fd);
    return t;
  }

  /** execve: close the close-on-exec descriptors. */
  closeOnExec(): void { for (const fd of [...this.cloexec]) this.delete(fd); }

  /** exit: close everything. */
  closeAll(): void { for (const fd of [...this.keys()]) this.delete(fd); }
}

/** A descriptor on `f` went away; the last one closes the description. */
function unref(f: OpenFile): void {
  f.refs = (f.refs ?? 1) - 1;
  if (f.refs > 0) return;
  if (f.hostFd >= 0) { try { fs.closeSync(f.hostFd); } catch { /* already closed */ } }
  if (f.pipe) {
    if (f.pipeEnd === 'r') f.pipe.readers--; else f.pipe.writers--;
  }
}

export interface Stdio {
  /** Read up to len bytes from the guest's stdin; 0 at end of input. */
  read(len: number): Uint8Array;
  /** Write to stdout or stderr; may throw an error with code 'EPIPE' when the reader is gone. */
  write(fd: 1 | 2, data: Uint8Array): void;
  isatty(fd: number): boolean;
}

/** Stdio bound to this process's own descriptors 0, 1 and 2, blocking. */
export function hostStdio(): Stdio {
  return {
    read(len: number): Uint8Array {
      const buf = Buffer.alloc(len);
      for (;;) {
        try { return buf.subarray(0, fs.readSync(0, buf, 0, len, null)); }
        catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code === 'EAGAIN') { sleepMs(1); continue; }
          if (code === 'EOF') return new Uint8Array(0);
          throw e;
        }
      }
    },
    write(fd: 1 | 2, data: Uint8Array): void {
      let off = 0;
      while (off < data.length) {
        try { off += fs.writeSync(fd, data, off, data.length - off); }
        catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code === 'EAGAIN') { sleepMs(1); continue; }
          // EPIPE (the reader went away) propagates: the write syscall turns it into SIGPIPE.
          throw e;
        }
      }
    },
    isatty(fd: number): boolean {
      try { return require('node:tty').isatty(fd); } catch { return false; }
    },
  };
}

const sab = new Int32Array(new SharedArrayBuffer(4));
export function sleepMs(ms: number): void { Atomics.wait(sab, 0, 0, ms); }

/** Identity of a host file for uprobes matching (device:inode). */
export function fileIdent(p: string): string {
  const st = fs.statSync(p);
  return `${st.dev}:${st.ino}`;
}
