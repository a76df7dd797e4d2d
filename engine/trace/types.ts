// The fetch-type table: what each `:TYPE` suffix stores and how the kernel prints it.

import { kstrtoul } from './kstr';

export type PrintKind = 'u' | 's' | 'x' | 'char' | 'string';

export interface FetchType {
  /** Table name ('x64', 'string', ...). A bitfield `b4@4/8` resolves to its container ('u8'). */
  readonly name: string;
  /** Bytes stored in the record (4 for strings: a data_loc word). */
  readonly size: number;
  readonly signed: boolean;
  readonly isString: boolean;
  readonly print: PrintKind;
  /** Type name shown in the event's format file. */
  readonly fmttype: string;
}

function basic(name: string, size: number, print: PrintKind, signed: boolean, fmttype = name): FetchType {
  return { name, size, signed, isString: false, print, fmttype };
}

const TABLE: readonly FetchType[] = [
  { name: 'string', size: 4, signed: true, isString: true, print: 'string', fmttype: '__data_loc char[]' },
  { name: 'ustring', size: 4, signed: true, isString: true, print: 'string', fmttype: '__data_loc char[]' },
  { name: 'symstr', size: 4, signed: true, isString: true, print: 'string', fmttype: '__data_loc char[]' },
  basic('u8', 1, 'u', false), basic('u16', 2, 'u', false), basic('u32', 4, 'u', false), basic('u64', 8, 'u', false),
  basic('s8', 1, 's', true), basic('s16', 2, 's', true), basic('s32', 4, 's', true), basic('s64', 8, 's', true),
  basic('x8', 1, 'x', false, 'u8'), basic('x16', 2, 'x', false, 'u16'), basic('x32', 4, 'x', false, 'u32'),
  basic('x64', 8, 'x', false, 'u64'),
  basic('char', 1, 'char', false, 'u8'),
  basic('symbol', 8, 'x', false, 'u64'),
];

/** What an argument without `:TYPE` gets: the unsigned long shown in hex. */
export const DEFAULT_TYPE = 'x64';

/**
 * find_fetch_type for a uprobe: undefined when the kernel reports "Unknown type is specified".
 * `symbol` and `symstr` exist in the table but are refused for uprobes.
 */
export function findFetchType(type: string | undefined): FetchType | undefined {
  if (type === 'symbol' || type === 'symstr') return undefined;
  const t = type ?? DEFAULT_TYPE;
  if (t[0] === 'b') {
    const slash = t.indexOf('/');
    if (slash < 0) return undefined;
    const r = kstrtoul(t.slice(slash + 1), 0);
    if (!r.ok) return undefined;
    switch (r.value) {
      case 8n: return findFetchType('u8');
      case 16n: return findFetchType('u16');
      case 32n: return findFetchType('u32');
      case 64n: return findFetchType('u64');
      default: return undefined;
    }
  }
  return TABLE.find((e) => e.name === t);
}
