// Writing trace bytes to a file descriptor, whole, from whichever thread prints them.

import * as fs from 'node:fs';

/** Write data[0, len) to fd, retrying short writes and EAGAIN (a non-blocking pipe or terminal). */
export function writeFully(fd: number, data: Uint8Array, len: number): void {
  let off = 0;
  while (off < len) {
    try { off += fs.writeSync(fd, data, off, len - off); } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      throw e;
    }
  }
}
