// The checks the kernel makes when a parsed definition is registered next to existing events
// (register_trace_uprobe, append_trace_uprobe) and the matching rules of `-:` deletions.

import { ProbeLog, TraceError } from './errors';
import { fromByteString } from './kstr';
import type { Command, EventDef } from './model';

export interface RegisterOptions {
  /** Are these two paths the same file (the kernel compares inodes)? Default: equal strings. */
  sameFile?(a: string, b: string): boolean;
  /** Is GROUP/EVENT taken by a non-uprobe event (a static tracepoint, another dynamic event type)? */
  otherEventExists?(group: string, event: string): boolean;
}

function logFor(ev: EventDef, index: number): ProbeLog {
  const log = new ProbeLog(ev.argv, fromByteString);
  log.index = index;
  return log;
}

/** Number of the first argument (1-based) whose name, type or array size differs; 0 if none. */
function compareArgTypes(a: EventDef, b: EventDef): number {
  if (a.args.length < b.args.length) return a.args.length + 1;
  if (a.args.length > b.args.length) return b.args.length + 1;
  for (let i = 0; i < a.args.length; i++) {
    const x = a.args[i], y = b.args[i];
    if (x.type !== y.type || x.count !== y.count || x.name !== y.name) return i + 1;
  }
  return 0;
}

/**
 * Check that `ev` can be added to `existing` (the uprobe events already defined, in definition order).
 * Returns 'new' for a new event, 'append' when it becomes another probe of an existing event with the
 * same group/name; throws the kernel's TraceError otherwise.
 */
export function checkRegistration(existing: readonly EventDef[], ev: EventDef, opts: RegisterOptions = {}): 'new' | 'append' {
  const same = opts.sameFile ?? ((a: string, b: string) => a === b);
  for (const o of existing) {
    if (same(o.path, ev.path) && o.offsetBig === ev.offsetBig && (o.refCtrOffset ?? 0) !== (ev.refCtrOffset ?? 0)) {
      // The kernel only warns in dmesg ("Reference counter offset mismatch.").
      throw new TraceError('REFCTR_MISMATCH', 0, fromByteString(ev.argv.join(' ')), 'EINVAL', false);
    }
  }
  const siblings = existing.filter((o) => o.group === ev.group && o.event === ev.event);
  if (siblings.length) {
    if (siblings[0].isReturn !== ev.isReturn) throw logFor(ev, 0).error(0, 'DIFF_PROBE_TYPE', 'EEXIST');
    const d = compareArgTypes(ev, siblings[0]);
    if (d) throw logFor(ev, d + 1).error(0, 'DIFF_ARG_TYPE', 'EEXIST');
    for (const o of siblings) {
      if (same(o.path, ev.path) && o.offsetBig === ev.offsetBig && o.args.every((a, i) => a.comm === ev.args[i].comm)) {
        throw logFor(ev, 0).error(0, 'SAME_PROBE', 'EEXIST');
      }
    }
    return 'append';
  }
  if (opts.otherEventExists?.(ev.group, ev.event)) throw logFor(ev, 0).error(0, 'EVENT_EXIST', 'EEXIST');
  return 'new';
}

/** Does a `-:` command remove this event? (An unmatched deletion fails with ENOENT.) */
export function deleteMatches(cmd: Extract<Command, { kind: 'delete' }>, ev: EventDef): boolean {
  if (cmd.event !== '' && cmd.event !== ev.event) return false;
  if (!cmd.anyGroup && cmd.group !== ev.group) return false;
  if (!cmd.match.length) return true;
  let place = `${ev.path}:0x${ev.offsetBig.toString(16).padStart(16, '0')}`;
  if (ev.refCtrOffset) place += `(0x${ev.refCtrOffset.toString(16)})`;
  if (cmd.match[0] !== place) return false;
  const rest = cmd.match.slice(1);
  if (ev.args.length < rest.length) return false;
  return rest.every((w, i) => w === `${ev.args[i].name}=${ev.args[i].comm}`);
}
