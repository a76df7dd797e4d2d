// Delivering a signal to a user handler, and rt_sigreturn, laid out exactly as Linux x86_64 does it
// (arch/x86/kernel/signal.c, signal_64.c, fpu/signal.c), for a kernel on a CPU without XSAVE (our CPUID
// reports none), which therefore saves the FPU state in the 512-byte FXSAVE format.
//
// The stack on handler entry, from high to low addresses:
//   the interrupted rsp, minus the 128-byte red zone (or the top of the sigaltstack with SA_ONSTACK)
//   FPU state: 512 bytes, FXSAVE layout, 64-byte aligned; its software-reserved bytes 464..511 carry
//     FP_XSTATE_MAGIC1 and the sizes as save_sw_bytes() writes them (no MAGIC2: not an XSAVE frame)
//   struct rt_sigframe (440 bytes), placed so that rsp ≡ 8 (mod 16), as after a call:
//     +0   pretcode      = sa_restorer (the handler's return address)
//     +8   struct ucontext: uc_flags, uc_link, uc_stack (ss_sp, ss_flags, ss_size),
//          uc_mcontext = struct sigcontext (r8..r15 rdi rsi rbp rbx rdx rax rcx rsp rip eflags
//          cs gs fs ss err trapno oldmask cr2 fpstate reserved[8]), uc_sigmask
//     +312 siginfo_t (128 bytes; written only for SA_SIGINFO handlers)
// Registers on entry: rdi = signal, rsi = &siginfo, rdx = &ucontext, rax = 0, rip = handler, DF/TF/RF
// cleared, and a fresh FPU state (x87 and SSE in their reset state, MXCSR 0x1f80, XMM registers zero).
//
// x86_64 requires SA_RESTORER: without it the kernel cannot build the frame and forces SIGSEGV.

import type { Process } from './process';
import { type Cpu, TIF_SIGPENDING } from '../cpu/cpu';
import { defSyscall, NO_RETURN } from './syscalls/table';
import { setFrameBuilder, PendingSignal, SigAction, SA_SIGINFO, SA_ONSTACK, SA_RESTORER, UNBLOCKABLE,
  SI_USER, SI_TKILL, SI_QUEUE } from './signals';
import { GuestFault, SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SI_KERNEL } from '../errors';
import { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15 } from '../cpu/regs';
import { CF, PF, AF, ZF, SF, TF, DF, OF, AC } from '../cpu/flags';
// MXCSR bits FXRSTOR accepts, which FXSAVE reports as MXCSR_MASK; others make sigreturn fail.
import { MXCSR_MASK } from '../cpu/ops/sse-fp';

export const RT_SIGFRAME_SIZE = 440;
export const FXSAVE_SIZE = 512;
/** Offsets inside struct rt_sigframe. */
export const UC = 8, UC_STACK = UC + 16, MCTX = UC + 40, UC_SIGMASK = UC + 296, INFO = 312;
/** struct sigcontext fields in the order of the frame (each 8 bytes), from MCTX. */
const SC_REGS = [R8, R9, R10, R11, R12, R13, R14, R15, RDI, RSI, RBP, RBX, RDX, RAX, RCX, RSP];
export const SC_RIP = 128, SC_EFLAGS = 136, SC_CS = 144, SC_GS = 146, SC_FS = 148, SC_SS = 150, SC_ERR = 152,
  SC_TRAPNO = 160, SC_OLDMASK = 168, SC_CR2 = 176, SC_FPSTATE = 184;
/** uc_flags: the frame's sigcontext has a meaningful ss, and sigreturn must restore it as is. */
export const UC_FP_XSTATE = 1, UC_SIGCONTEXT_SS = 2, UC_STRICT_RESTORE_SS = 4;
export const USER_CS = 0x33, USER_DS = 0x2b;
export const FP_XSTATE_MAGIC1 = 0x46505853, FP_XSTATE_MAGIC2_SIZE = 4;
/** RF: resume flag (set in the image of a fault, as the CPU pushes it). */
const RF = 0x10000;
/** The RFLAGS bits sigreturn takes from the frame (FIX_EFLAGS). */
const FIX_EFLAGS = AC | OF | DF | TF | SF | ZF | AF | PF | CF | RF;
const REDZONE = 128;

/**
 * x87 state in the FXSAVE image. The x87 unit lives in its own instruction family; it registers these so
 * that signal frames save, reset and restore it. Without them the frame shows the x87 reset state.
 */
export interface X87Image {
  /** Write FCW, FSW, abridged FTW, FOP, FIP, FDP (bytes 0..23) and ST0..ST7 (bytes 32..159). */
  save(cpu: Cpu, img: DataView): void;
  /** Load the same fields back from an image. */
  restore(cpu: Cpu, img: DataView): void;
  /** FNINIT-like reset (what a handler starts with). */
  reset(cpu: Cpu): void;
}
let x87: X87Image | null = null;
export function setX87Image(h: X87Image): void { x87 = h; }

/** The FXSAVE image of the CPU's FPU/SSE state. */
export function fxsaveImage(cpu: Cpu): Uint8Array {
  const b = new Uint8Array(FXSAVE_SIZE);
  const dv = new DataView(b.buffer);
  if (x87) x87.save(cpu, dv); else dv.setUint16(0, 0x37f, true);
  dv.setUint32(24, cpu.mxcsr >>> 0, true);
  dv.setUint32(28, MXCSR_MASK, true);
  for (let k = 0; k < 64; k++) dv.setInt32(160 + 4 * k, cpu.xmm[k], true);
  return b;
}

/** Load the FPU/SSE state from an FXSAVE image; false if FXRSTOR would fault (reserved MXCSR bits). */
export function fxrstorImage(cpu: Cpu, b: Uint8Array): boolean {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const mxcsr = dv.getUint32(24, true);
  if (mxcsr & ~MXCSR_MASK) return false;
  x87?.restore(cpu, dv);
  cpu.mxcsr = mxcsr;
  for (let k = 0; k < 64; k++) cpu.xmm[k] = dv.getInt32(160 + 4 * k, true);
  return true;
}

/** fpu__clear_user_states: the FPU as after reset (a handler's starting state). */
export function fpuReset(cpu: Cpu): void {
  x87?.reset(cpu);
  cpu.mxcsr = 0x1f80;
  cpu.xmm.fill(0);
}

/** siginfo_t bytes for a signal (the kernel clears the whole 128 bytes, then fills the union member). */
export function siginfoBytes(s: PendingSignal): Uint8Array {
  const b = new Uint8Array(128);
  const dv = new DataView(b.buffer);
  if (s.raw) b.set(s.raw.subarray(0, 128));
  dv.setInt32(0, s.sig, true);
  if (s.raw) return b;
  dv.setInt32(8, s.code, true);
  const fault = s.sig === SIGSEGV || s.sig === SIGBUS || s.sig === SIGILL || s.sig === SIGFPE || s.sig === SIGTRAP;
  if (fault && s.code > 0 && s.code !== SI_KERNEL) {
    setPtr(dv, 16, s.addr);
  } else if (s.code === SI_USER || s.code === SI_TKILL || s.code === SI_QUEUE) {
    dv.setInt32(16, s.pid ?? 0, true);
    dv.setUint32(20, s.uid ?? 0, true);
    if (s.code === SI_QUEUE) setPtr(dv, 24, s.value ?? 0);
  }
  return b;
}

function setPtr(dv: DataView, off: number, v: number): void {
  dv.setUint32(off, v % 4294967296 >>> 0, true);
  dv.setUint32(off + 4, Math.floor(v / 4294967296) >>> 0, true);
}
function getPtr(dv: DataView, off: number): number {
  return dv.getUint32(off + 4, true) * 4294967296 + dv.getUint32(off, true);
}
function setMask(dv: DataView, off: number, m: bigint): void {
  dv.setUint32(off, Number(m & 0xffffffffn), true);
  dv.setUint32(off + 4, Number((m >> 32n) & 0xffffffffn), true);
}

/** get_sigframe + x64_setup_rt_frame. Returns false when the frame cannot be placed or written. */
export function setupRtFrame(p: Process, s: PendingSignal, act: SigAction, savedMask: bigint): boolean {
  const cpu = p.cpu;
  const st = p.sig;
  if (!(act.flags & SA_RESTORER)) {
    p.log(`signal ${s.sig}: handler installed without SA_RESTORER; the kernel cannot build a frame (SIGSEGV)`);
    return false;
  }
  const rsp = cpu.rsp;
  const nested = st.onAltStack(rsp);
  let entering = false;
  let sp = rsp - REDZONE;
  if ((act.flags & SA_ONSTACK) && st.altStackFlags(sp) === 0) {
    sp = st.altStack.sp + st.altStack.size;
    entering = true;
  }
  const fp = Math.floor((sp - FXSAVE_SIZE) / 64) * 64;
  const frame = Math.floor((fp - RT_SIGFRAME_SIZE) / 16) * 16 - 8;
  if ((nested || entering) && !st.inAltStack(frame)) {
    p.log(`signal ${s.sig}: sigaltstack overflow`);
    return false;
  }

  // The FPU image, with the software-reserved bytes (magic1, extended size, xfeatures, xstate size).
  const fx = fxsaveImage(cpu);
  const fdv = new DataView(fx.buffer);
  fdv.setUint32(464, FP_XSTATE_MAGIC1, true);
  fdv.setUint32(468, FXSAVE_SIZE + FP_XSTATE_MAGIC2_SIZE, true);
  fdv.setUint32(472, 0, true); fdv.setUint32(476, 0, true); // user xfeatures: none without XSAVE
  fdv.setUint32(480, FXSAVE_SIZE, true);

  const f = new Uint8Array(INFO); // everything up to siginfo
  const dv = new DataView(f.buffer);
  setPtr(dv, 0, act.restorer);
  setPtr(dv, UC, UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS);
  setPtr(dv, UC + 8, 0);
  setPtr(dv, UC_STACK, st.altStack.sp);
  dv.setInt32(UC_STACK + 8, st.altStack.flags | 0, true);
  setPtr(dv, UC_STACK + 16, st.altStack.size);
  SC_REGS.forEach((r, k) => {
    dv.setInt32(MCTX + 8 * k, cpu.r[2 * r], true);
    dv.setInt32(MCTX + 8 * k + 4, cpu.r[2 * r + 1], true);
  });
  setPtr(dv, MCTX + SC_RIP, cpu.rip);
  setPtr(dv, MCTX + SC_EFLAGS, p.frameFlags());
  dv.setUint16(MCTX + SC_CS, USER_CS, true);
  dv.setUint16(MCTX + SC_GS, 0, true);
  dv.setUint16(MCTX + SC_FS, 0, true);
  dv.setUint16(MCTX + SC_SS, USER_DS, true);
  setPtr(dv, MCTX + SC_ERR, p.faultErr);
  setPtr(dv, MCTX + SC_TRAPNO, p.trapNo);
  setMask(dv, MCTX + SC_OLDMASK, savedMask);
  setPtr(dv, MCTX + SC_CR2, p.cr2);
  setPtr(dv, MCTX + SC_FPSTATE, fp);
  setMask(dv, UC_SIGMASK, savedMask);
  try {
    p.mem.checkWritable(fp, FXSAVE_SIZE);
    p.mem.checkWritable(frame, RT_SIGFRAME_SIZE);
    p.mem.writeBytes(fp, fx);
    // reserved1[8] of the sigcontext is not written by the kernel: keep what the stack held there.
    p.mem.writeBytes(frame, f.subarray(0, MCTX + SC_FPSTATE + 8));
    p.mem.writeBytes(frame + UC_SIGMASK, f.subarray(UC_SIGMASK, INFO));
    if (act.flags & SA_SIGINFO) p.mem.writeBytes(frame + INFO, siginfoBytes(s));
  } catch (e) {
    if (e instanceof GuestFault) return false;
    throw e;
  }

  cpu.set(RDI, s.sig);
  cpu.set(RAX, 0);
  cpu.set(RSI, frame + INFO);
  cpu.set(RDX, frame + UC);
  cpu.rip = act.handler;
  cpu.rsp = frame;
  cpu.f.load(cpu.f.get() & ~(DF | TF));
  fpuReset(cpu);
  return true;
}

setFrameBuilder(setupRtFrame);

/**
 * rt_sigreturn: the restorer's `mov $15,%eax; syscall` runs with rsp just above pretcode. Restores the
 * blocked mask, every register of the sigcontext (rax included: the syscall leaves it as restored), the
 * flags the frame may change, the FPU state and the sigaltstack setting. A frame that cannot be read
 * forces SIGSEGV.
 */
export function rtSigreturn(p: Process): number {
  const cpu = p.cpu;
  const frame = cpu.rsp - 8;
  let f: Uint8Array, fx: Uint8Array | null = null;
  try {
    f = p.mem.readBytes(frame, RT_SIGFRAME_SIZE);
  } catch (e) {
    if (!(e instanceof GuestFault)) throw e;
    return badFrame(p, frame);
  }
  const dv = new DataView(f.buffer);
  const mask = BigInt(dv.getUint32(UC_SIGMASK, true)) | (BigInt(dv.getUint32(UC_SIGMASK + 4, true)) << 32n);
  p.sig.blocked = mask & ~UNBLOCKABLE;
  const fpstate = getPtr(dv, MCTX + SC_FPSTATE);
  if (fpstate) {
    try { fx = p.mem.readBytes(fpstate, FXSAVE_SIZE); } catch (e) {
      if (!(e instanceof GuestFault)) throw e;
    }
  }
  SC_REGS.forEach((r, k) => cpu.setHalves(r, dv.getInt32(MCTX + 8 * k, true), dv.getInt32(MCTX + 8 * k + 4, true)));
  cpu.rip = getPtr(dv, MCTX + SC_RIP);
  const fl = dv.getUint32(MCTX + SC_EFLAGS, true);
  cpu.f.load((cpu.f.get() & ~FIX_EFLAGS) | (fl & FIX_EFLAGS));
  // FPU: none saved means a reset FPU; a bad image (unreadable, reserved MXCSR bits) is a bad frame.
  if (!fpstate) fpuReset(cpu);
  else if (!fx || !fxrstorImage(cpu, fx)) { fpuReset(cpu); return badFrame(p, frame); }
  // restore_altstack: errors other than EFAULT are ignored (e.g. EPERM when returning onto the stack).
  p.sig.setAltStack(cpu.rsp, getPtr(dv, UC_STACK), dv.getInt32(UC_STACK + 8, true) >>> 0, getPtr(dv, UC_STACK + 16));
  p.recalcSigpending();
  return NO_RETURN;
}

function badFrame(p: Process, frame: number): number {
  p.log(`rt_sigreturn: bad frame at 0x${frame.toString(16)}`);
  p.sig.force(SIGSEGV, SI_KERNEL, 0, 'rt_sigreturn: bad signal frame', p.cpu.rip);
  p.cpu.tif |= TIF_SIGPENDING;
  return 0;
}

defSyscall(15, 'rt_sigreturn', (p) => rtSigreturn(p));

