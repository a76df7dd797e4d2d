// Parsing one line written to `uprobe_events` into a Command, with the kernel's checks in the kernel's
// order (__trace_uprobe_create and traceprobe_parse_event_name) so the first error reported is the one
// the kernel reports, at the same caret position.

import { parseProbeArg, MAX_TRACE_ARGS } from './args';
import { ProbeLog, TraceError } from './errors';
import { argvSplit, fromByteString, isDigit, isGoodName, isGoodSystemName, kstrtoul, toByteString } from './kstr';
import type { Command, EventDef, FetchArg } from './model';
import { definitionText } from './format';

const MAX_EVENT_NAME_LEN = 64;
const DEFAULT_GROUP = 'uprobes';

export interface ParseOptions {
  /**
   * Does PATH exist (following symlinks)? Return false for "Failed to find the given file", 'notregular'
   * for a directory or device, true for a regular file. Without it every path is taken as a regular file.
   */
  fileExists?(path: string): boolean | 'notregular';
}

/**
 * Parse one line of `uprobe_events` input. Throws TraceError for every line the kernel refuses.
 *
 * A JS string is taken as text and seen as its UTF-8 bytes (what `echo` in a UTF-8 shell writes). Given
 * bytes instead, they are parsed exactly as write(2) hands them to the kernel, any byte value included
 * (Latin-1 0xa0 is white space to the kernel); the names, paths and error commands that come back are
 * then byte strings (one char per byte), like error_log read as latin1.
 */
export function parseCommand(line: string | Uint8Array, opts: ParseOptions = {}): Command {
  const bytes = typeof line !== 'string';
  let raw = bytes ? Buffer.from(line.buffer, line.byteOffset, line.byteLength).toString('latin1') : toByteString(line);
  // The kernel cuts each written line at its first '#'.
  const hash = raw.indexOf('#');
  if (hash >= 0) raw = raw.slice(0, hash);
  const argv = argvSplit(raw);
  const display = bytes ? (s: string) => s : (s: string) => fromByteString(s);
  if (raw[0] === '-') return parseDelete(argv, display);
  if (argv.length === 0) return { kind: 'none' };
  return { kind: 'add', ev: parseAdd(argv, display, opts) };
}

function unlogged(argv: string[], display: (s: string) => string, code: string, errno = 'EINVAL'): TraceError {
  return new TraceError(code, 0, display(argv.join(' ')), errno, false);
}

function parseDelete(argv: string[], display: (s: string) => string): Command {
  const w = argv[0];
  if (w[1] !== ':') throw unlogged(argv, display, 'BAD_DELETE');
  let event = w.slice(2), group = '';
  const slash = event.indexOf('/');
  if (slash >= 0) { group = event.slice(0, slash); event = event.slice(slash + 1); }
  else if (event === '') throw unlogged(argv, display, 'BAD_DELETE');
  return { kind: 'delete', group: display(group), anyGroup: slash < 0, event: display(event),
    match: argv.slice(1).map(display) };
}

function parseAdd(argv: string[], display: (s: string) => string, opts: ParseOptions): EventDef {
  const head = argv[0];
  let isReturn: boolean;
  if (head[0] === 'r') isReturn = true;
  else if (head[0] === 'p') isReturn = false;
  else throw unlogged(argv, display, 'NOT_A_UPROBE');
  if (argv.length < 2) throw unlogged(argv, display, 'NOT_A_UPROBE');

  const log = new ProbeLog(argv, display);
  if (argv.length - 2 > MAX_TRACE_ARGS) {
    log.index = 2;
    throw log.error(0, 'TOO_MANY_ARGS', 'E2BIG');
  }
  let event: string | undefined = head[1] === ':' ? head.slice(2) : undefined;
  const place = argv[1];
  if (!place.includes('/')) throw unlogged(argv, display, 'NOT_A_UPROBE');
  const colon = place.lastIndexOf(':');
  if (colon < 0 || !isDigit(place[colon + 1])) throw unlogged(argv, display, 'NOT_A_UPROBE');

  log.index = 1;
  const filename = place.slice(0, colon);
  let arg = place.slice(colon + 1);
  let argStart = colon + 1;
  const exists = opts.fileExists ? opts.fileExists(fromByteString(filename)) : true;
  if (exists === false) throw log.error(0, 'FILE_NOT_FOUND', 'ENOENT');
  if (exists === 'notregular') throw log.error(0, 'NO_REGULAR_FILE');

  let refCtr = 0n;
  const lp = arg.indexOf('(');
  if (lp >= 0) {
    const rp = arg.indexOf(')', lp);
    if (rp < 0) throw log.error(argStart + arg.length, 'REFCNT_OPEN_BRACE');
    if (rp + 1 < arg.length) throw log.error(argStart + rp + 1, 'BAD_REFCNT_SUFFIX');
    const r = kstrtoul(arg.slice(lp + 1, rp), 0);
    if (!r.ok) throw log.error(argStart + lp + 1, 'BAD_REFCNT', r.err);
    refCtr = r.value;
    arg = arg.slice(0, lp);
  }
  const pct = arg.indexOf('%');
  if (pct >= 0) {
    if (arg.slice(pct) !== '%return') throw log.error(argStart + pct, 'BAD_ADDR_SUFFIX');
    isReturn = true;
    arg = arg.slice(0, pct);
  }
  const off = kstrtoul(arg, 0);
  if (!off.ok) throw log.error(argStart, 'BAD_UPROBE_OFFS', off.err);
  const offset = off.value;

  log.index = 0;
  let group = DEFAULT_GROUP;
  if (event !== undefined) {
    const r = parseEventName(event, 2, log);
    if (r.group !== undefined) group = r.group;
    event = r.event;
  }
  if (event === undefined) {
    const base = filename.slice(filename.lastIndexOf('/') + 1);
    const cut = base.search(/[.\-_]/);
    const tail = cut >= 0 ? base.slice(0, cut) : base;
    event = `p_${tail}_0x${offset.toString(16)}`.slice(0, MAX_EVENT_NAME_LEN - 1);
  }

  const args: FetchArg[] = [];
  const size = { value: 0 };
  for (let i = 0; i + 2 < argv.length; i++) {
    log.index = i + 2;
    args.push(parseProbeArg(argv[i + 2], i, args, isReturn, log, size));
  }

  // @+OFFSET is fetched as probed address + (OFFSET - probe offset): keep that difference's halves.
  for (const a of args) {
    for (const c of a.code) {
      if (c.op !== 'FOFFS') continue;
      const d = BigInt.asUintN(64, c.imm - offset);
      c.lo = Number(BigInt.asIntN(32, d));
      c.hi = Number(BigInt.asIntN(32, d >> 32n));
    }
  }

  const ev: EventDef = {
    group: display(group), event: display(event), isReturn, path: display(filename),
    offset: Number(offset), offsetBig: offset, args, size: size.value, definition: '', argv,
  };
  if (refCtr !== 0n) ev.refCtrOffset = Number(refCtr);
  ev.definition = definitionText(ev);
  return ev;
}

/** traceprobe_parse_event_name: `[GROUP/]EVENT` or `GROUP.EVENT`; `GROUP/` alone keeps the default name. */
function parseEventName(text: string, offset: number, log: ProbeLog): { group?: string; event?: string } {
  let slash = text.indexOf('/');
  if (slash < 0) slash = text.indexOf('.');
  let group: string | undefined;
  let event = text;
  if (slash >= 0) {
    if (slash === 0) throw log.error(offset, 'NO_GROUP_NAME');
    if (slash + 1 > MAX_EVENT_NAME_LEN) throw log.error(offset, 'GROUP_TOO_LONG');
    group = text.slice(0, slash);
    if (!isGoodSystemName(group)) throw log.error(offset, 'BAD_GROUP_NAME');
    event = text.slice(slash + 1);
    offset += slash + 1;
  }
  if (event.length === 0) {
    if (slash >= 0) return { group };
    throw log.error(offset, 'NO_EVENT_NAME');
  }
  if (event.length >= MAX_EVENT_NAME_LEN) throw log.error(offset, 'EVENT_TOO_LONG');
  if (!isGoodName(event)) throw log.error(offset, 'BAD_EVENT_NAME');
  return { group, event };
}
