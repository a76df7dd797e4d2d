// Attribute forms (DW_FORM_*): reading a value of any form, or skipping it. Used for the compile unit's
// first DIE (.debug_info) and for DWARF 5 line-table directory and file entries, which are described
// by the same forms.

import { DwarfError, DwarfReader, stringAt } from './reader';

export const DW_FORM = {
  addr: 0x01, block2: 0x03, block4: 0x04, data2: 0x05, data4: 0x06, data8: 0x07, string: 0x08, block: 0x09,
  block1: 0x0a, data1: 0x0b, flag: 0x0c, sdata: 0x0d, strp: 0x0e, udata: 0x0f, ref_addr: 0x10, ref1: 0x11,
  ref2: 0x12, ref4: 0x13, ref8: 0x14, ref_udata: 0x15, indirect: 0x16, sec_offset: 0x17, exprloc: 0x18,
  flag_present: 0x19, strx: 0x1a, addrx: 0x1b, ref_sup4: 0x1c, strp_sup: 0x1d, data16: 0x1e, line_strp: 0x1f,
  ref_sig8: 0x20, implicit_const: 0x21, loclistx: 0x22, rnglistx: 0x23, ref_sup8: 0x24, strx1: 0x25,
  strx2: 0x26, strx3: 0x27, strx4: 0x28, addrx1: 0x29, addrx2: 0x2a, addrx3: 0x2b, addrx4: 0x2c,
  GNU_addr_index: 0x1f01, GNU_str_index: 0x1f02, GNU_ref_alt: 0x1f20, GNU_strp_alt: 0x1f21,
} as const;

/** What a form's value needs from its unit and from the string sections. */
export interface FormContext {
  version: number;
  offsetSize: 4 | 8;
  addressSize: number;
  str?: Uint8Array;
  lineStr?: Uint8Array;
  strOffsets?: Uint8Array;
  /** DW_AT_str_offsets_base of the unit (for strx forms). */
  strOffsetsBase?: number;
}

/** A form's value: a number, a string (string forms), or undefined for blocks and unsupported refs. */
export type FormValue = number | string | undefined;

/** Read one value of `form`; `implicit` is the abbreviation's DW_FORM_implicit_const value. */
export function readForm(r: DwarfReader, form: number, ctx: FormContext, implicit = 0): FormValue {
  const F = DW_FORM;
  switch (form) {
    case F.addr: return r.uN(ctx.addressSize);
    case F.data1: case F.ref1: case F.flag: case F.strx1: case F.addrx1: return r.u8();
    case F.data2: case F.ref2: case F.strx2: case F.addrx2:
      if (form === F.strx2) return strx(ctx, r.u16());
      return r.u16();
    case F.strx3: return strx(ctx, r.u24());
    case F.addrx3: return r.u24();
    case F.data4: case F.ref4: case F.ref_sup4: case F.addrx4: return r.u32();
    case F.strx4: return strx(ctx, r.u32());
    case F.data8: case F.ref8: case F.ref_sig8: case F.ref_sup8: return r.u64();
    case F.data16: r.skip(16); return undefined;
    case F.sdata: return r.sleb();
    case F.udata: case F.ref_udata: case F.addrx: case F.loclistx: case F.rnglistx: case F.GNU_addr_index: return r.uleb();
    case F.string: return r.cstr();
    case F.strp: return stringAt(ctx.str, r.uN(ctx.offsetSize), '.debug_str');
    case F.line_strp: return stringAt(ctx.lineStr, r.uN(ctx.offsetSize), '.debug_line_str');
    case F.strx: case F.GNU_str_index: return strx(ctx, r.uleb());
    case F.strp_sup: case F.GNU_strp_alt: case F.GNU_ref_alt: r.uN(ctx.offsetSize); return undefined;
    case F.ref_addr: return r.uN(ctx.version <= 2 ? ctx.addressSize : ctx.offsetSize);
    case F.sec_offset: return r.uN(ctx.offsetSize);
    case F.block1: r.skip(r.u8()); return undefined;
    case F.block2: r.skip(r.u16()); return undefined;
    case F.block4: r.skip(r.u32()); return undefined;
    case F.block: case F.exprloc: r.skip(r.uleb()); return undefined;
    case F.flag_present: return 1;
    case F.implicit_const: return implicit;
    case F.indirect: return readForm(r, r.uleb(), ctx, implicit);
  }
  throw new DwarfError(`unknown attribute form 0x${form.toString(16)}`);
}

function strx(ctx: FormContext, index: number): string | undefined {
  const tab = ctx.strOffsets;
  if (!tab || ctx.strOffsetsBase === undefined) return undefined;
  const r = new DwarfReader(tab, ctx.strOffsetsBase + index * ctx.offsetSize);
  return stringAt(ctx.str, r.uN(ctx.offsetSize), '.debug_str');
}
