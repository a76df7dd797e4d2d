// Our one addition to the kernel's checks: a probe must sit on an instruction boundary. The kernel does
// not check, and an int3 written into the middle of an instruction corrupts the program. We decode from
// the start of the containing symbol (or of the executable segment) up to the offset.

import * as fs from 'node:fs';
import { Decoder, DecoderOptions, Instruction } from 'iced-x86';
import { ElfFile, Segment, STT_FUNC } from '../elf/elf';
import { disassemble } from '../cpu/decode';

/**
 * Instruction starts found by decoding linearly from `start` (a symbol or segment start), kept per file
 * and start: a thousand probes in one function decode it once, not once each.
 */
interface Walk { starts: Set<number>; end: number }

/**
 * Files read for probing, kept while they stay the same file (dev, inode, size, mtime): the adapter
 * lives as long as the editor, and a program rebuilt between sessions must be read again. With the
 * bytes go what was worked out from them: the parsed ELF, its PT_LOAD segments and the walks.
 */
interface Cached {
  key: string; data: Uint8Array | null; elf: ElfFile | null | undefined; checked: number;
  loads: Segment[] | undefined; walks: Map<number, Walk>;
}
const cache = new Map<string, Cached>();
/** A file checked this recently is not stat-ed again (a thousand probes registered at once). */
const RECHECK_MS = 500;

function cached(path: string): Cached {
  let c = cache.get(path);
  const now = performance.now();
  if (c && now - c.checked < RECHECK_MS) return c;
  let key = '';
  try { const st = fs.statSync(path); key = `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`; } catch { /* unreadable */ }
  if (c && c.key === key) { c.checked = now; return c; }
  let data: Uint8Array | null = null;
  try { const d = fs.readFileSync(path); data = new Uint8Array(d.buffer, d.byteOffset, d.byteLength); } catch { /* unreadable */ }
  c = { key, data, elf: undefined, checked: now, loads: undefined, walks: new Map() };
  cache.set(path, c);
  return c;
}

/** The bytes of a file (for prepare_uprobe's copy of the original instruction), or null. */
export function fileBytes(path: string): Uint8Array | null { return cached(path).data; }

function elfOf(c: Cached, path: string): ElfFile | null {
  if (c.elf === undefined) {
    try { c.elf = c.data ? ElfFile.parse(c.data, path) : null; } catch { c.elf = null; }
  }
  return c.elf;
}

/** The PT_LOAD segment whose file bytes hold `offset` (the first, as ElfFile.fileOffsetToVaddr picks). */
function loadOfOffset(loads: Segment[], offset: number): Segment | undefined {
  for (let k = 0; k < loads.length; k++) { const s = loads[k]; if (offset >= s.offset && offset < s.offset + s.filesz) return s; }
  return undefined;
}

/** The first PT_LOAD segment whose file bytes are mapped at `va`. */
function loadOfVaddr(loads: Segment[], va: number): Segment | undefined {
  for (let k = 0; k < loads.length; k++) { const s = loads[k]; if (va >= s.vaddr && va < s.vaddr + s.filesz) return s; }
  return undefined;
}

/** Bytes decoded past the probe when no sized symbol bounds the walk. */
const LOOKAHEAD = 4096;

/** null if `offset` starts an instruction (as far as linear decoding can tell), else the reason. */
export function checkInsnBoundary(path: string, offset: number): string | null {
  const c = cached(path);
  const elf = elfOf(c, path);
  if (!elf) return null; // not an ELF we can read: nothing to check against
  const loads = c.loads ??= elf.loads();
  const segOfOffset = loadOfOffset(loads, offset);
  if (!segOfOffset) return `offset 0x${offset.toString(16)} is not in a loaded segment of ${path}`;
  const va = segOfOffset.vaddr + (offset - segOfOffset.offset);
  const seg = loadOfVaddr(loads, va)!;
  const sym = elf.symbolAt(va);
  let start = sym && sym.sym.type === STT_FUNC && sym.sym.value >= seg.vaddr ? sym.sym.value : seg.vaddr;
  if (va - start > 1 << 20) start = Math.max(seg.vaddr, va - (1 << 20)); // bounded work on huge blobs
  let w = c.walks.get(start);
  if (!w) { w = { starts: new Set([start]), end: start }; c.walks.set(start, w); }
  if (w.end <= va) {
    // Decode on from where the last walk stopped, to the end of the symbol. Without a sized symbol
    // (assembly labels), a page ahead of va: the walk is linear from `start` either way, so decoding
    // ahead gives the later checks in the same stretch their answer without a decoder of their own.
    const end = sym && sym.sym.size ? sym.sym.value + sym.sym.size : va + LOOKAHEAD;
    const limit = Math.min(seg.vaddr + seg.filesz, Math.max(va + 1, end));
    const fileStart = seg.offset + (w.end - seg.vaddr);
    const bytes = elf.data.subarray(fileStart, seg.offset + (limit - seg.vaddr) + 15);
    const dec = new Decoder(64, bytes, DecoderOptions.None);
    const ins = new Instruction();
    dec.ip = BigInt(w.end);
    let at = w.end;
    try {
      while (at < limit && dec.canDecode) {
        dec.decodeOut(ins);
        at += ins.length;
        w.starts.add(at);
      }
    } finally { ins.free(); dec.free(); }
    w.end = at;
  }
  if (w.starts.has(va)) return null;
  // Inside an instruction: the last start before va.
  let at = start;
  for (const s of w.starts) if (s < va && s > at) at = s;
  const fileAt = seg.offset + (at - seg.vaddr);
  const [text] = disassemble(elf.data.subarray(fileAt, fileAt + 16), at);
  return `0x${offset.toString(16)} is not on an instruction boundary: it is inside '${text}' at 0x${at.toString(16)}` +
    `${sym ? ` (${sym.sym.name}+0x${(at - sym.sym.value).toString(16)})` : ''}; use --unsafe to probe it anyway`;
}
