// The guest's file descriptors over the host: stdio, and read-only host files and directories.

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
  cloexec: boolean;
  /** For pipes: the shared buffer. */
  pipe?: { buf: number[]; readers: number; writers: number };
  /** The pipe end: read or write. */
  pipeEnd?: 'r' | 'w';
  /** For 'mem' files (generated /proc contents): the bytes, fixed when opened. */
  data?: Uint8Array;
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
