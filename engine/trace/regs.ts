// The register names a `%REG` fetch argument accepts: x86_64 pt_regs field names, exactly as the
// kernel's regs_query_register_offset() matches them (case-sensitive, no 'r'/'e' prefixes).

/** Where a register's value comes from in a FetchContext. 0..15 index the general registers. */
export type RegSource = number | 'ip' | 'flags' | 'cs' | 'ss' | 'orig_ax';

const REGS: ReadonlyMap<string, RegSource> = new Map<string, RegSource>([
  ['r15', 15], ['r14', 14], ['r13', 13], ['r12', 12], ['bp', 5], ['bx', 3], ['r11', 11], ['r10', 10],
  ['r9', 9], ['r8', 8], ['ax', 0], ['cx', 1], ['dx', 2], ['si', 6], ['di', 7], ['orig_ax', 'orig_ax'],
  ['ip', 'ip'], ['cs', 'cs'], ['flags', 'flags'], ['sp', 4], ['ss', 'ss'],
]);

export function lookupRegister(name: string): RegSource | undefined {
  return REGS.get(name);
}

/** All accepted register names, in pt_regs order. */
export const REGISTER_NAMES: readonly string[] = [...REGS.keys()];

/** Values the kernel reports for a 64-bit user task at a uprobe hit when the context does not say. */
export const USER_CS = 0x33, USER_SS = 0x2b;
