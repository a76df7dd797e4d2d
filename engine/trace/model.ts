// Data shapes shared by the parser, the fetcher and the formatters: parsed events, their arguments and
// the compiled fetch plan (the kernel's fetch_insn program, one stage per instruction).

import type { FetchType } from './types';
import type { RegSource } from './regs';

/** One fetch instruction. Mirrors the kernel's fetch_op stages: load, dereference, store, modify, loop. */
export type FetchInsn =
  // stage 1: load a value
  | { op: 'REG'; reg: RegSource }
  | { op: 'STACK'; n: number }            // n-th word above the stack pointer
  | { op: 'STACKP' }                      // the stack pointer
  | { op: 'RETVAL' }                      // rax
  // immediate (also @ADDR); lo/hi are imm's int32 halves
  | { op: 'IMM'; imm: bigint; lo: number; hi: number }
  | { op: 'COMM' }                        // the task's comm
  | { op: 'DATA'; data: string }          // immediate string (lives in kernel memory)
  // file offset, translated against the probed address; lo/hi: halves of imm - the probe's file offset
  | { op: 'FOFFS'; imm: bigint; lo: number; hi: number }
  // stage 2: dereference (offset is the kernel's 32-bit int)
  | { op: 'DEREF' | 'UDEREF'; offset: number }
  // stage 3: store into the record
  | { op: 'ST_RAW'; size: number }
  | { op: 'ST_MEM' | 'ST_UMEM' | 'ST_STRING' | 'ST_USTRING'; offset: number; size: number }
  // stage 4: bitfield
  | { op: 'MOD_BF'; basesize: number; lshift: number; rshift: number }
  // stage 5: array loop
  | { op: 'LP_ARRAY'; count: number }
  | { op: 'END' }
  | { op: 'NOP' };

export interface FetchArg {
  /** Field name: as written before '=', else arg1, arg2... */
  name: string;
  /** The argument expression as written (after 'NAME='), which `uprobe_events` echoes back. */
  comm: string;
  /** The type suffix as written ('u32', 'b4@4/8', 'string'...), undefined when omitted. */
  typeName?: string;
  /** The resolved fetch type (a bitfield resolves to its container type). */
  type: FetchType;
  /** Array length for `TYPE[N]`, 0 for a scalar. */
  count: number;
  /** Compiled fetch plan, ending with END. */
  code: FetchInsn[];
  /** Strings store a data_loc word and variable-length data after the fixed part. */
  dynamic: boolean;
  /** Byte offset of this argument in the event record's fixed part. */
  offset: number;
}

export interface EventDef {
  group: string;
  event: string;
  isReturn: boolean;
  /** The file as written in the definition (not resolved). */
  path: string;
  /** Probed file offset. Exact below 2^53; `offsetBig` always is. */
  offset: number;
  offsetBig: bigint;
  /** The `(REF_CTR_OFFSET)` suffix, when given and non-zero (the kernel treats 0 as none). */
  refCtrOffset?: number;
  args: FetchArg[];
  /** Size of the record's fixed part (sum of argument sizes). */
  size: number;
  /** The definition as `cat uprobe_events` prints it (no trailing newline). */
  definition: string;
  /** The command's words (byte strings), kept to place carets for later registration errors. */
  argv: string[];
  /** How hits of this event are fetched and printed, worked out on the first hit (see fetch.ts). */
  plan?: EventPlan;
}

/**
 * An event's arguments prepared for hits: the shortcut for plain register arguments and the print
 * format cut into constant bytes and values (value i is printed between consts[i] and consts[i + 1]).
 */
export interface EventPlan {
  /** Bytes of the record header before the arguments (trace_entry and the address fields). */
  esize: number;
  /** Some argument is a string (stored after the fixed part). */
  dynamic: boolean;
  /** Per argument: the register number when it is just `%REG` stored raw, else -1. */
  fastReg: Int32Array;
  consts: Uint8Array[];
  /** Per printed value: how (PK_*), where in the record, how many bytes. */
  kinds: Int32Array;
  offs: Int32Array;
  sizes: Int32Array;
}

export type Command =
  | { kind: 'add'; ev: EventDef }
  /**
   * `-:[GRP/]EVENT [PATH:OFFSET [NAME=ARG...]]`. Without 'GRP/' (anyGroup) the event is looked up in
   * every group; event '' (as in `-:GRP/`) means every event of the group; `match` holds the extra words,
   * which must equal the event's canonical text.
   */
  | { kind: 'delete'; group: string; anyGroup: boolean; event: string; match: string[] }
  /** An empty or comment-only line: the kernel accepts it and does nothing. */
  | { kind: 'none' };
