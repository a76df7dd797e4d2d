// Compile units in .debug_info, read only as far as the line tables need: each unit's first DIE gives
// DW_AT_name, DW_AT_comp_dir (the directory that relative names in DWARF 2-4 line tables are relative
// to) and DW_AT_stmt_list (where the unit's line program starts in .debug_line).

import { DwarfError, DwarfReader } from './reader';
import { DW_FORM, FormContext, readForm } from './forms';

export const DW_AT_name = 0x03, DW_AT_stmt_list = 0x10, DW_AT_low_pc = 0x11, DW_AT_comp_dir = 0x1b,
  DW_AT_producer = 0x25, DW_AT_str_offsets_base = 0x72;

/** DWARF 5 unit types. */
const DW_UT_compile = 1, DW_UT_type = 2, DW_UT_partial = 3, DW_UT_skeleton = 4, DW_UT_split_compile = 5, DW_UT_split_type = 6;

export interface CompileUnit {
  offset: number;
  version: number;
  name?: string;
  compDir?: string;
  stmtList?: number;
  producer?: string;
}

export interface InfoSections {
  info?: Uint8Array;
  abbrev?: Uint8Array;
  str?: Uint8Array;
  lineStr?: Uint8Array;
  strOffsets?: Uint8Array;
}

interface AttrSpec { name: number; form: number; implicit: number }

/** The attribute specs of abbreviation `code` in the table at `off` (only what the first DIE needs). */
function findAbbrev(abbrev: Uint8Array, off: number, code: number): AttrSpec[] {
  const r = new DwarfReader(abbrev, off);
  for (;;) {
    const c = r.uleb();
    if (c === 0) throw new DwarfError(`abbreviation ${code} not found`);
    r.uleb(); // tag
    r.u8(); // children
    const specs: AttrSpec[] = [];
    for (;;) {
      const name = r.uleb(), form = r.uleb();
      const implicit = form === DW_FORM.implicit_const ? r.sleb() : 0;
      if (name === 0 && form === 0) break;
      specs.push({ name, form, implicit });
    }
    if (c === code) return specs;
  }
}

const STRX_FORMS = new Set<number>([DW_FORM.strx, DW_FORM.strx1, DW_FORM.strx2, DW_FORM.strx3, DW_FORM.strx4, DW_FORM.GNU_str_index]);

/** Every compile unit's header and first-DIE attributes. Units that cannot be read are skipped. */
export function readCompileUnits(s: InfoSections): CompileUnit[] {
  const out: CompileUnit[] = [];
  if (!s.info || !s.abbrev) return out;
  const r = new DwarfReader(s.info);
  while (r.pos + 11 <= s.info.length) {
    const offset = r.pos;
    const { length, offsetSize } = r.initialLength();
    const end = r.pos + length;
    if (end > s.info.length || length < 7) break;
    try {
      const u = new DwarfReader(s.info, r.pos, end);
      const version = u.u16();
      let unitType = DW_UT_compile, addressSize: number, abbrevOff: number;
      if (version >= 5) {
        unitType = u.u8();
        addressSize = u.u8();
        abbrevOff = u.uN(offsetSize);
        if (unitType === DW_UT_skeleton || unitType === DW_UT_split_compile) u.skip(8);
        else if (unitType === DW_UT_type || unitType === DW_UT_split_type) u.skip(8 + offsetSize);
      } else if (version >= 2) {
        abbrevOff = u.uN(offsetSize);
        addressSize = u.u8();
      } else {
        throw new DwarfError(`unsupported DWARF version ${version}`);
      }
      if (unitType !== DW_UT_compile && unitType !== DW_UT_partial && unitType !== DW_UT_skeleton) continue;
      const code = u.uleb();
      if (code === 0) continue;
      const specs = findAbbrev(s.abbrev, abbrevOff, code);
      const ctx: FormContext = { version, offsetSize, addressSize, str: s.str, lineStr: s.lineStr, strOffsets: s.strOffsets };
      const cu: CompileUnit = { offset, version };
      // strx values can only be resolved once DW_AT_str_offsets_base (which may come later) is known.
      const deferred: Array<{ name: number; index: number }> = [];
      for (const a of specs) {
        let v;
        if (STRX_FORMS.has(a.form)) {
          const index = a.form === DW_FORM.strx || a.form === DW_FORM.GNU_str_index ? u.uleb()
            : a.form === DW_FORM.strx1 ? u.u8() : a.form === DW_FORM.strx2 ? u.u16() : a.form === DW_FORM.strx3 ? u.u24() : u.u32();
          deferred.push({ name: a.name, index });
          continue;
        }
        v = readForm(u, a.form, ctx, a.implicit);
        assign(cu, a.name, v, ctx);
      }
      if (deferred.length) {
        ctx.strOffsetsBase ??= 8; // DWARF 5 default: just past the .debug_str_offsets header
        for (const d of deferred) {
          const tab = new DwarfReader(s.strOffsets ?? new Uint8Array(0), ctx.strOffsetsBase + d.index * offsetSize);
          try {
            const strOff = tab.uN(offsetSize);
            assign(cu, d.name, new DwarfReader(s.str ?? new Uint8Array(0), strOff).cstr(), ctx);
          } catch { /* unresolvable: leave it out */ }
        }
      }
      out.push(cu);
    } catch (e) {
      if (!(e instanceof DwarfError)) throw e;
    } finally {
      r.pos = end;
    }
  }
  return out;
}

function assign(cu: CompileUnit, name: number, v: number | string | undefined, ctx: FormContext): void {
  switch (name) {
    case DW_AT_name: if (typeof v === 'string') cu.name = v; break;
    case DW_AT_comp_dir: if (typeof v === 'string') cu.compDir = v; break;
    case DW_AT_stmt_list: if (typeof v === 'number') cu.stmtList = v; break;
    case DW_AT_producer: if (typeof v === 'string') cu.producer = v; break;
    case DW_AT_str_offsets_base: if (typeof v === 'number') ctx.strOffsetsBase = v; break;
  }
}
