// fork, vfork and clone for new processes, as Linux's copy_process makes them: the child gets a copy of
// the parent's address space (or shares it with CLONE_VM), its registers with rax = 0, its signal
// dispositions and mask, its descriptors (the same open file descriptions), cwd and umask, and a new pid.
// Threads (CLONE_THREAD) are not modelled.

import { SIGKILL } from '../errors';
import { RAX } from '../cpu/regs';
import { Process } from './process';
import { fxsaveImage, fxrstorImage } from './sigframe';
import { BLOCKED } from './syscalls/table';

export const CSIGNAL = 0xff, CLONE_VM = 0x100, CLONE_FS = 0x200, CLONE_FILES = 0x400, CLONE_SIGHAND = 0x800,
  CLONE_PIDFD = 0x1000, CLONE_PTRACE = 0x2000, CLONE_VFORK = 0x4000, CLONE_PARENT = 0x8000, CLONE_THREAD = 0x10000,
  CLONE_SYSVSEM = 0x40000, CLONE_SETTLS = 0x80000, CLONE_PARENT_SETTID = 0x100000, CLONE_CHILD_CLEARTID = 0x200000,
  CLONE_DETACHED = 0x400000, CLONE_UNTRACED = 0x800000, CLONE_CHILD_SETTID = 0x01000000, CLONE_IO = 0x80000000;

/** Flags we model (or that change nothing here: tracing, SysV semaphore undo, I/O context). */
const SUPPORTED = CSIGNAL | CLONE_VM | CLONE_VFORK | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID |
  CLONE_CHILD_SETTID | CLONE_PTRACE | CLONE_UNTRACED | CLONE_SYSVSEM | CLONE_DETACHED | CLONE_IO;

const EAGAIN = 11, ENOMEM = 12, EINVAL = 22;

/**
 * clone(flags, stack, parent_tid, child_tid, tls) for a new process. Returns the child's pid (for
 * CLONE_VFORK once the child has exec'd or exited: BLOCKED until then) or a negative errno.
 */
export function cloneProcess(p: Process, flags: number, stack: number, ptid: number, ctid: number, tls: number): number {
  flags >>>= 0;
  if ((flags & CLONE_THREAD) && !(flags & CLONE_SIGHAND)) return -EINVAL;
  if ((flags & CLONE_SIGHAND) && !(flags & CLONE_VM)) return -EINVAL;
  if (flags & (CLONE_THREAD | CLONE_SIGHAND)) {
    // A thread: as if the thread limit were reached (pthread_create reports EAGAIN).
    p.log('clone: threads are not supported (EAGAIN)');
    return -EAGAIN;
  }
  if (flags & ~SUPPORTED) {
    p.log(`clone: flags 0x${(flags & ~SUPPORTED).toString(16)} not supported (EINVAL)`);
    return -EINVAL;
  }
  const exitSignal = flags & CSIGNAL;
  if (exitSignal > 64) return -EINVAL;
  const m = p.machine;
  if (!m.canFork()) return -EAGAIN;
  const shared = (flags & CLONE_VM) !== 0;
  // The XOL page of uprobes is not inherited (the kernel maps it VM_DONTCOPY).
  const mem = shared ? p.mem : p.mem.forkCopy(v => v.name !== '[uprobes]');
  if (!mem) return -ENOMEM;

  const child = new Process({ program: p.exePath }, { parent: p, mem });
  const c = child.cpu, pc = p.cpu;
  c.r.set(pc.r);
  c.rip = pc.rip;
  c.f.load(pc.f.get());
  c.fsBase = pc.fsBase;
  c.gsBase = pc.gsBase;
  fxrstorImage(c, fxsaveImage(pc));
  c.set(RAX, 0);
  if (stack) c.rsp = stack;
  if (flags & CLONE_SETTLS) c.fsBase = tls;
  child.exitSignal = exitSignal;
  if (flags & CLONE_CHILD_CLEARTID) child.tidAddress = ctid;
  child.vforkDone = !(flags & CLONE_VFORK);
  m.add(child, p);
  // put_user of the new tid: a bad address is ignored, as the kernel ignores it.
  if (flags & CLONE_CHILD_SETTID) { try { child.mem.write32(ctid, child.pid); } catch { /* ignored */ } }
  if (flags & CLONE_PARENT_SETTID) { try { p.mem.write32(ptid, child.pid); } catch { /* ignored */ } }
  for (const l of p.listeners) l.fork?.(child, shared);
  if (!(flags & CLONE_VFORK)) return child.pid;
  // vfork: the parent sleeps (killable only) until the child lets go of the shared memory.
  return p.waitFor(() => (child.vforkDone || p.sig.pending.some(s => s.sig === SIGKILL) ? child.pid : BLOCKED));
}
