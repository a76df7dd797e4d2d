// The tracer: the kernel's `uprobe_events` language (definitions, fetch arguments and their types), the
// trace lines and `uprobe_profile` it prints, and its error_log messages, reproduced byte for byte as
// Linux 6.18 (x86_64) does them. Differential tests against the live kernel: test/trace*.test.ts.
//
// Deviations from the interface first sketched for this module, each forced by the kernel's behaviour:
// - Command has a third kind, { kind: 'none' }, for empty or comment-only lines (the kernel accepts them
//   and does nothing); 'delete' carries `anyGroup` (no 'GRP/' given: every group is searched; `-:/EV`
//   names the empty group, which matches nothing) and `match` (the optional PATH:OFFSET NAME=ARG words
//   that must equal the event's canonical text).
// - EventDef adds `offsetBig` (offsets are 64-bit; `offset` is exact only below 2^53), `size` (record
//   size) and `argv` (the words, kept so later registration errors can place their caret).
// - FetchContext.fileOffsetToVaddr and .symbolize are accepted but unused: the kernel does not map
//   @+OFFSET through the ELF segments but computes probed_address - probe_file_offset + OFFSET (probed
//   address = rip for entry probes, funcAddr for return probes), and so does this module; the `symbol`
//   and `symstr` types are refused for uprobes ("Unknown type is specified"). FetchContext gains
//   optional cs, ss and origAx (%cs %ss %orig_ax are accepted register names; the defaults 0x33, 0x2b
//   and -1 are what the kernel shows). For return probes `rip` must be the address returned to.
// - formatArgs/formatTraceLine/formatProfile return byte strings (one char per byte, latin1): the
//   kernel copies string and char arguments' bytes verbatim (including control bytes and NUL).
//   captureArgs() returns null when the kernel would drop the event (record larger than the ring
//   buffer takes); formatArgs() always returns the text.
// - The hit path is split as the kernel splits it: fetchRecord() stores an event's binary record (like
//   the ring buffer's), printRecord() prints one later; TraceBatch keeps records of many hits and prints
//   them in batches with a TracePrinter (the CLI's trace output), in a printer thread of its own for a
//   long trace written to a file descriptor. No BigInt at a hit: 64-bit values are int32 halves.
// - parseCommand() also takes bytes (Uint8Array): exactly what write(2) gives the kernel, so any byte
//   value, e.g. Latin-1 0xa0 (white space to the kernel), is seen as the kernel sees it.
// - formatProfile ignores `misses`: this kernel's uprobe_profile prints only the hit count.
// - TraceError adds `errno` (what write(2) fails with) and `logged`: some refusals leave no error_log
//   entry (unknown probe letter or missing ':OFFSET' -> code NOT_A_UPROBE; bad deletion syntax ->
//   BAD_DELETE; reference counter conflicting with another probe at the same place -> REFCTR_MISMATCH);
//   for those render() is ''.
// - Registration-time errors (EVENT_EXIST, DIFF_PROBE_TYPE, DIFF_ARG_TYPE, SAME_PROBE, the silent
//   ref-counter conflict) need the set of existing events: checkRegistration(). Deletion matching:
//   deleteMatches().
// - Numeric arguments whose *intermediate* dereference faults are not zero: the kernel leaves its
//   per-CPU scratch page untouched there, so stale bytes of the previous record show through. This
//   module keeps such a scratch page too (one CPU), so the mechanism is the same, but the stale bytes
//   can only equal the kernel's when the history of hits is the same.

export type { Command, EventDef, FetchArg, FetchInsn } from './model';
export { parseCommand } from './parse';
export type { ParseOptions } from './parse';
export { TraceError, ERROR_TEXT } from './errors';
export type { FetchContext } from './fetch';
export { formatArgs, captureArgs, resetScratch, RB_MAX_PAYLOAD, fetchRecord, recordDropped, scratchRecord, printRecord } from './fetch';
export { formatTraceLine, formatProfile, definitionText, UPROBE_TRACE_FLAGS } from './format';
export { TraceBatch, TRACE_CHUNK } from './batch';
export { traceClock, traceClockUs } from './clock';
export { ByteOut } from './bytes';
export type { TraceRecord, ProfileRow } from './format';
export { checkRegistration, deleteMatches } from './registry';
export type { RegisterOptions } from './registry';
export { findFetchType, DEFAULT_TYPE } from './types';
export type { FetchType } from './types';
export { REGISTER_NAMES } from './regs';
