// The kernel's probe-definition errors: code names and message texts as this kernel (6.18) writes them
// to tracefs `error_log`, and the TraceError that carries one with its caret position.

/**
 * Error texts, keyed by the kernel's code name. Only codes a uprobe definition can produce are listed
 * (kprobe/fprobe/eprobe/BTF-only codes are unreachable through `uprobe_events`). Every text here was
 * read from this kernel's error_log.
 */
export const ERROR_TEXT: Readonly<Record<string, string>> = {
  FILE_NOT_FOUND: 'Failed to find the given file',
  NO_REGULAR_FILE: 'Not a regular file',
  BAD_REFCNT: 'Invalid reference counter offset',
  REFCNT_OPEN_BRACE: 'Reference counter brace is not closed',
  BAD_REFCNT_SUFFIX: 'Reference counter has wrong suffix',
  BAD_UPROBE_OFFS: 'Invalid uprobe offset',
  BAD_ADDR_SUFFIX: 'Invalid probed address suffix',
  NO_GROUP_NAME: 'Group name is not specified',
  GROUP_TOO_LONG: 'Group name is too long',
  BAD_GROUP_NAME: 'Group name must follow the same rules as C identifiers',
  NO_EVENT_NAME: 'Event name is not specified',
  EVENT_TOO_LONG: 'Event name is too long',
  BAD_EVENT_NAME: 'Event name must follow the same rules as C identifiers',
  EVENT_EXIST: 'Given group/event name is already used by another event',
  RETVAL_ON_PROBE: '$retval is not available on probe',
  BAD_ARG_NUM: 'Invalid argument number',
  BAD_VAR: 'Invalid $-variable specified',
  BAD_REG_NAME: 'Invalid register name',
  BAD_MEM_ADDR: 'Invalid memory address',
  BAD_IMM: 'Invalid immediate value',
  IMMSTR_NO_CLOSE: 'String is not closed with \'"\'',
  BAD_FILE_OFFS: 'Invalid file offset value',
  SYM_ON_UPROBE: 'Symbol is not available with uprobe',
  TOO_MANY_OPS: 'Dereference is too much nested',
  DEREF_NEED_BRACE: 'Dereference needs a brace',
  BAD_DEREF_OFFS: 'Invalid dereference offset',
  DEREF_OPEN_BRACE: 'Dereference brace is not closed',
  COMM_CANT_DEREF: '$comm can not be dereferenced',
  BAD_FETCH_ARG: 'Invalid fetch argument',
  ARRAY_NO_CLOSE: 'Array is not closed',
  BAD_ARRAY_SUFFIX: 'Array has wrong suffix',
  BAD_ARRAY_NUM: 'Invalid array size',
  ARRAY_TOO_BIG: 'Array number is too big',
  BAD_TYPE: 'Unknown type is specified',
  BAD_STRING: 'String accepts only memory argument',
  BAD_BITFIELD: 'Invalid bitfield',
  ARG_NAME_TOO_LONG: 'Argument name is too long',
  NO_ARG_NAME: 'Argument name is not specified',
  BAD_ARG_NAME: 'Argument name must follow the same rules as C identifiers',
  USED_ARG_NAME: 'This argument name is already used',
  ARG_TOO_LONG: 'Argument expression is too long',
  NO_ARG_BODY: 'No argument expression',
  DIFF_PROBE_TYPE: 'Probe type is different from existing probe',
  DIFF_ARG_TYPE: 'Argument type or name is different from existing probe',
  SAME_PROBE: 'There is already the exact same probe event',
  NOSUP_BTFARG: 'BTF is not available or not supported',
  NOFENTRY_ARGS: '$arg* can be used only on function entry or exit',
  NEED_STRING_TYPE: '$comm and immediate-string only accepts string type',
  TOO_MANY_ARGS: 'Too many arguments are specified',
  EVENT_TOO_BIG: 'Event too big (too many fields?)',
};

/** What error_log prints before the command and before the caret ("  Command: " is 11 columns). */
const SUBSYSTEM = 'trace_uprobe';
const CMD_PREFIX = '  Command: ';

/**
 * A rejected definition. `code` is the kernel's code name (e.g. 'BAD_UPROBE_OFFS'); `pos` is the caret
 * column within `command` (counted in bytes, as the kernel counts); `command` is the command as the kernel
 * rebuilds it (words joined by single spaces, comment removed); `errno` is what the write(2) to
 * uprobe_events fails with. Some refusals leave nothing in error_log (`logged` false, e.g. an unknown
 * probe type letter, a missing ':OFFSET', a reference-counter conflict, deleting an unknown event):
 * their `code` is one of NOT_A_UPROBE, REFCTR_MISMATCH, BAD_DELETE, NO_SUCH_EVENT and render() is ''.
 */
export class TraceError extends Error {
  constructor(
    public readonly code: string,
    public readonly pos: number,
    public readonly command: string,
    public readonly errno: string = 'EINVAL',
    public readonly logged: boolean = true,
  ) {
    super(logged ? `${ERROR_TEXT[code] ?? code} (${code})` : `${code}: ${errno}`);
    this.name = 'TraceError';
  }

  /** The kernel's text for this code ('' for unlogged refusals). */
  get text(): string {
    return this.logged ? (ERROR_TEXT[this.code] ?? this.code) : '';
  }

  /**
   * Exactly what error_log shows for this error after the "[ timestamp] " prefix: three lines joined
   * by '\n', without a trailing newline. Empty for refusals the kernel does not log.
   */
  render(): string {
    if (!this.logged) return '';
    return `${SUBSYSTEM}: error: ${this.text}\n${CMD_PREFIX}${this.command}\n${' '.repeat(CMD_PREFIX.length + this.pos)}^`;
  }
}

/**
 * The kernel's error-position bookkeeping (trace_probe_log): the command is argv joined by spaces, an
 * error names an argv index and a byte offset inside that word. An index past the last word puts the
 * caret one column after the end of the command plus one.
 */
export class ProbeLog {
  index = 0;
  constructor(public readonly argv: string[], private readonly display: (s: string) => string) {}

  command(): string {
    return this.display(this.argv.join(' '));
  }

  error(offset: number, code: string, errno = 'EINVAL'): TraceError {
    let pos = 0, len = 0;
    for (let i = 0; i < this.argv.length; i++) {
      if (i === this.index) pos = len;
      len += this.argv[i].length + 1;
    }
    if (this.index >= this.argv.length) { pos = len; offset = 0; }
    return new TraceError(code, pos + offset, this.command(), errno);
  }
}
