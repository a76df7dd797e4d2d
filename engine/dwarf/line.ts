// .debug_line: the line-number programs of DWARF 2 to 5, run on the state machine the standard
// describes, producing the rows `readelf --debug-dump=decodedline` prints (address, file, line, column,
// is_stmt, end of sequence).

import { DwarfError, DwarfReader } from './reader';
import { FormContext, readForm } from './forms';

const DW_LNS_copy = 1, DW_LNS_advance_pc = 2, DW_LNS_advance_line = 3, DW_LNS_set_file = 4, DW_LNS_set_column = 5,
  DW_LNS_negate_stmt = 6, DW_LNS_set_basic_block = 7, DW_LNS_const_add_pc = 8, DW_LNS_fixed_advance_pc = 9,
  DW_LNS_set_prologue_end = 10, DW_LNS_set_epilogue_begin = 11, DW_LNS_set_isa = 12;
const DW_LNE_end_sequence = 1, DW_LNE_set_address = 2, DW_LNE_define_file = 3, DW_LNE_set_discriminator = 4;
const DW_LNCT_path = 1, DW_LNCT_directory_index = 2;

export interface LineRow {
  address: number;
  /** Index into the program's `files`. */
  file: number;
  line: number;
  column: number;
  isStmt: boolean;
  /** The first address past a sequence: no code of its own. */
  endSequence: boolean;
}

export interface LineProgram {
  offset: number;
  version: number;
  /** File names, indexed as the program's DW_LNS_set_file operands index them (undefined holes). */
  files: (string | undefined)[];
  /** Include directories as written (index 0 is the compilation directory in DWARF 5). */
  dirs: string[];
  rows: LineRow[];
}

export interface LineSections {
  line: Uint8Array;
  str?: Uint8Array;
  lineStr?: Uint8Array;
}

function joinPath(dir: string | undefined, name: string): string {
  if (name.startsWith('/') || !dir) return name;
  return dir.endsWith('/') ? dir + name : `${dir}/${name}`;
}

/**
 * Decode the line program at `offset`. `compDir` is the unit's DW_AT_comp_dir: in DWARF 2-4 directory
 * index 0 means that directory (DWARF 5 lists it as entry 0 itself). File names come out joined with
 * their directories (absolute when the producer recorded enough to make them so).
 */
export function readLineProgram(s: LineSections, offset: number, compDir?: string): LineProgram {
  const r = new DwarfReader(s.line, offset);
  const { length, offsetSize } = r.initialLength();
  const end = r.pos + length;
  if (end > s.line.length) throw new DwarfError(`line program at 0x${offset.toString(16)} runs past .debug_line`);
  const h = new DwarfReader(s.line, r.pos, end);
  const version = h.u16();
  if (version < 2 || version > 5) throw new DwarfError(`unsupported line table version ${version}`);
  let addressSize = 8;
  if (version >= 5) {
    addressSize = h.u8();
    h.u8(); // segment selector size
  }
  const headerLength = h.uN(offsetSize);
  const programStart = h.pos + headerLength;
  const minInsnLength = h.u8();
  if (version >= 4) h.u8(); // maximum operations per instruction (1 on x86)
  const defaultIsStmt = h.u8() !== 0;
  const lineBase = h.s8();
  const lineRange = h.u8();
  const opcodeBase = h.u8();
  if (lineRange === 0) throw new DwarfError('line_range is 0');
  const stdLengths: number[] = [];
  for (let k = 1; k < opcodeBase; k++) stdLengths.push(h.u8());

  const dirs: string[] = [];
  const files: (string | undefined)[] = [];
  if (version >= 5) {
    const ctx: FormContext = { version, offsetSize, addressSize, str: s.str, lineStr: s.lineStr };
    const entries = (): Array<Map<number, number | string | undefined>> => {
      const fmtCount = h.u8();
      const fmt: Array<[number, number]> = [];
      for (let k = 0; k < fmtCount; k++) fmt.push([h.uleb(), h.uleb()]);
      const count = h.uleb();
      const out: Array<Map<number, number | string | undefined>> = [];
      for (let k = 0; k < count; k++) {
        const m = new Map<number, number | string | undefined>();
        for (const [type, form] of fmt) m.set(type, readForm(h, form, ctx));
        out.push(m);
      }
      return out;
    };
    for (const d of entries()) dirs.push(String(d.get(DW_LNCT_path) ?? ''));
    for (const f of entries()) {
      const name = f.get(DW_LNCT_path);
      const di = Number(f.get(DW_LNCT_directory_index) ?? 0);
      files.push(typeof name === 'string' ? joinPath(dirs[di] ?? compDir, name) : undefined);
    }
    // Directory 0 is the compilation directory; a relative one is relative to DW_AT_comp_dir.
    if (dirs[0] && !dirs[0].startsWith('/') && compDir) {
      for (let k = 0; k < files.length; k++) {
        const f = files[k];
        if (f && !f.startsWith('/')) files[k] = joinPath(compDir, f);
      }
    }
  } else {
    dirs.push(compDir ?? '');
    for (;;) {
      const d = h.cstr();
      if (!d) break;
      dirs.push(joinPath(compDir, d));
    }
    files.push(undefined); // file numbers start at 1
    for (;;) {
      const name = h.cstr();
      if (!name) break;
      const di = h.uleb(); h.uleb(); h.uleb();
      files.push(joinPath(dirs[di] || compDir, name));
    }
  }

  // The state machine.
  const rows: LineRow[] = [];
  const p = new DwarfReader(s.line, programStart, end);
  let address = 0, file = 1, line = 1, column = 0, isStmt = defaultIsStmt;
  const reset = () => { address = 0; file = 1; line = 1; column = 0; isStmt = defaultIsStmt; };
  const emit = (endSequence: boolean) => rows.push({ address, file, line, column, isStmt, endSequence });
  while (!p.atEnd) {
    const op = p.u8();
    if (op >= opcodeBase) {
      const adj = op - opcodeBase;
      address += Math.floor(adj / lineRange) * minInsnLength;
      line += lineBase + (adj % lineRange);
      emit(false);
      continue;
    }
    switch (op) {
      case 0: {
        const len = p.uleb();
        const next = p.pos + len;
        if (len === 0) break;
        const sub = p.u8();
        switch (sub) {
          case DW_LNE_end_sequence: emit(true); reset(); break;
          case DW_LNE_set_address: address = p.uN(len - 1); break;
          case DW_LNE_define_file: {
            const name = p.cstr(); const di = p.uleb(); p.uleb(); p.uleb();
            files.push(joinPath(dirs[di] || compDir, name));
            break;
          }
          case DW_LNE_set_discriminator: break;
          default: break;
        }
        p.pos = next;
        break;
      }
      case DW_LNS_copy: emit(false); break;
      case DW_LNS_advance_pc: address += p.uleb() * minInsnLength; break;
      case DW_LNS_advance_line: line += p.sleb(); break;
      case DW_LNS_set_file: file = p.uleb(); break;
      case DW_LNS_set_column: column = p.uleb(); break;
      case DW_LNS_negate_stmt: isStmt = !isStmt; break;
      case DW_LNS_set_basic_block: break;
      case DW_LNS_const_add_pc: address += Math.floor((255 - opcodeBase) / lineRange) * minInsnLength; break;
      case DW_LNS_fixed_advance_pc: address += p.u16(); break;
      case DW_LNS_set_prologue_end: case DW_LNS_set_epilogue_begin: break;
      case DW_LNS_set_isa: p.uleb(); break;
      default:
        // An opcode this reader does not know: skip its operands as the header says.
        for (let k = 0; k < (stdLengths[op - 1] ?? 0); k++) p.uleb();
    }
  }
  return { offset, version, files, dirs, rows };
}

/** The offsets of every line program in the section, in order (for units .debug_info does not name). */
export function lineProgramOffsets(line: Uint8Array): number[] {
  const out: number[] = [];
  const r = new DwarfReader(line);
  while (r.pos + 4 <= line.length) {
    const at = r.pos;
    try {
      const { length } = r.initialLength();
      if (r.pos + length > line.length || length === 0) break;
      out.push(at);
      r.pos += length;
    } catch { break; }
  }
  return out;
}
