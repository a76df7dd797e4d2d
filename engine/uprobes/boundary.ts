// Our one addition to the kernel's checks: a probe must sit on an instruction boundary. The kernel does
// not check, and an int3 written into the middle of an instruction corrupts the program. We decode from
// the start of the containing symbol (or of the executable segment) up to the offset.

import * as fs from 'node:fs';
import { Decoder, DecoderOptions } from 'iced-x86';
import { ElfFile, STT_FUNC } from '../elf/elf';
import { disassemble } from '../cpu/decode';

const cache = new Map<string, ElfFile | null>();

function elfOf(path: string): ElfFile | null {
  if (!cache.has(path)) {
    try { const d = fs.readFileSync(path); cache.set(path, ElfFile.parse(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), path)); }
    catch { cache.set(path, null); }
  }
  return cache.get(path)!;
}

/** null if `offset` starts an instruction (as far as linear decoding can tell), else the reason. */
export function checkInsnBoundary(path: string, offset: number): string | null {
  const elf = elfOf(path);
  if (!elf) return null; // not an ELF we can read: nothing to check against
  const va = elf.fileOffsetToVaddr(offset);
  if (va === undefined) return `offset 0x${offset.toString(16)} is not in a loaded segment of ${path}`;
  const seg = elf.loads().find(s => va >= s.vaddr && va < s.vaddr + s.filesz)!;
  const sym = elf.symbolAt(va);
  let start = sym && sym.sym.type === STT_FUNC && sym.sym.value >= seg.vaddr ? sym.sym.value : seg.vaddr;
  if (va - start > 1 << 20) start = Math.max(seg.vaddr, va - (1 << 20)); // bounded work on huge blobs
  const fileStart = seg.offset + (start - seg.vaddr);
  const bytes = elf.data.subarray(fileStart, offset + 16);
  const dec = new Decoder(64, bytes, DecoderOptions.None);
  dec.ip = BigInt(start);
  let at = start;
  try {
    while (at < va && dec.canDecode) {
      const ins = dec.decode();
      const len = ins.length;
      ins.free();
      if (at + len > va) {
        const [text] = disassemble(bytes.subarray(at - start), at);
        return `0x${offset.toString(16)} is not on an instruction boundary: it is inside '${text}' at 0x${at.toString(16)}` +
          `${sym ? ` (${sym.sym.name}+0x${(at - sym.sym.value).toString(16)})` : ''}; use --unsafe to probe it anyway`;
      }
      at += len;
    }
  } finally { dec.free(); }
  return null;
}
