// Decoding of the binary dumps the signal-frame probe programs write (test/signals.test.ts): each handler
// invocation writes its entry registers, the whole rt_sigframe and the FPU image; the interrupted code
// writes its registers after rt_sigreturn. Fields that depend on where the stack is (the native process
// has a randomised stack, and a kernel with XSAVE uses a bigger FPU area) become relations that hold on
// both; everything else is printed exactly, so that the native and emulated listings can be compared.

const TAG = 8;

function u64(b: Buffer, o: number): bigint { return b.readBigUInt64LE(o); }
function hex(v: bigint | number): string { return '0x' + v.toString(16); }

/** One line per field, for the records of a dump (the pid, taken from a kill's siginfo, prints as PID). */
export function decodeDump(buf: Buffer): string[] {
  const out: string[] = [];
  let pid: bigint | null = null;
  const val = (v: bigint): string => (pid !== null && v === pid ? 'PID' : hex(v));
  let o = 0;
  while (o < buf.length) {
    const tag = buf.subarray(o, o + TAG).toString('latin1');
    if (tag === 'HANDLER:') {
      const h = buf.subarray(o, o + 80), f = buf.subarray(o + 80, o + 520), fp = buf.subarray(o + 520, o + 1032);
      o += 1032;
      const sig = u64(h, 8), rsi = u64(h, 16), rdx = u64(h, 24), rax = u64(h, 32), rsp = u64(h, 40);
      const code = f.readInt32LE(312 + 8);
      if (code <= 0) pid ??= BigInt(f.readInt32LE(312 + 16));
      out.push(`handler sig=${sig} rsi-rsp=${rsi - rsp} rdx-rsp=${rdx - rsp} rax=${hex(rax)} rsp%16=${rsp % 16n}`);
      out.push(`  entry flags=${hex(u64(h, 48))} xmm0=${hex(u64(h, 56))}:${hex(u64(h, 64))} blocked=${hex(u64(h, 72))}`);
      const ucFlags = u64(f, 8);
      out.push(`  pretcode=${hex(u64(f, 0))} uc_flags&~FP_XSTATE=${hex(ucFlags & ~1n)} uc_link=${hex(u64(f, 16))}`);
      out.push(`  uc_stack sp=${hex(u64(f, 24))} flags=${hex(f.readUInt32LE(32))} size=${hex(u64(f, 40))}`);
      const names = ['r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15', 'rdi', 'rsi', 'rbp', 'rbx', 'rdx', 'rax', 'rcx'];
      out.push('  ' + names.map((n, k) => `${n}=${val(u64(f, 48 + 8 * k))}`).join(' '));
      const scRsp = u64(f, 48 + 120), fpAddr = u64(f, 48 + 184);
      // The FPU area sits right under the interrupted rsp (less the red zone, or at the alternate stack top).
      const fpSize = BigInt(ucFlags & 1n ? fp.readUInt32LE(468) : fp.readUInt32LE(480));
      const altSp = u64(f, 24), altSize = u64(f, 40);
      const top = altSp && rsp >= altSp && rsp < altSp + altSize ? altSp + altSize : scRsp - 128n;
      const gap = top - fpAddr - fpSize;
      out.push(`  sc.rsp: fpstate below ${top === scRsp - 128n ? 'red zone' : 'altstack top'} gap-ok=${gap >= 0n && gap < 64n}` +
        ` fpstate-rsp=${fpAddr - rsp} fpstate%64=${fpAddr % 64n}`);
      out.push(`  rip=${hex(u64(f, 48 + 128))} eflags=${hex(u64(f, 48 + 136))} cs=${hex(f.readUInt16LE(48 + 144))} ` +
        `gs=${hex(f.readUInt16LE(48 + 146))} fs=${hex(f.readUInt16LE(48 + 148))} ss=${hex(f.readUInt16LE(48 + 150))}`);
      out.push(`  err=${hex(u64(f, 48 + 152))} trapno=${u64(f, 48 + 160)} oldmask=${hex(u64(f, 48 + 168))} ` +
        `cr2=${hex(u64(f, 48 + 176))} uc_sigmask=${hex(u64(f, 304))}`);
      const si = f.subarray(312, 440);
      let tail: string;
      if (code <= 0) tail = `pid=${val(BigInt(si.readInt32LE(16)))} uid=${si.readUInt32LE(20)} value=${hex(u64(si, 24))}`;
      else tail = `addr=${hex(u64(si, 16))}`;
      out.push(`  siginfo signo=${si.readInt32LE(0)} errno=${si.readInt32LE(4)} code=${code} ${tail} ` +
        `rest-zero=${si.subarray(32).every(x => x === 0)}`);
      out.push(`  fpu fcw=${hex(fp.readUInt16LE(0))} fsw=${hex(fp.readUInt16LE(2))} ftw=${hex(fp[4])} fop=${hex(fp.readUInt16LE(6))} ` +
        `fip=${hex(u64(fp, 8))} fdp=${hex(u64(fp, 16))} mxcsr=${hex(fp.readUInt32LE(24))} mxcsr_mask=${hex(fp.readUInt32LE(28))} ` +
        `magic1=${hex(fp.readUInt32LE(464))}`);
      for (let k = 0; k < 8; k++) out.push(`  st${k}=${fp.subarray(32 + 16 * k, 42 + 16 * k).toString('hex')}`);
      for (let k = 0; k < 16; k++) out.push(`  xmm${k}=${fp.subarray(160 + 16 * k, 176 + 16 * k).toString('hex')}`);
    } else if (tag === 'FINALREG') {
      const b = buf.subarray(o, o + 168);
      o += 168;
      const names = ['r8', 'r9', 'r10', 'r12', 'r13', 'r14', 'r15', 'rbx', 'rbp', 'rax', 'flags'];
      out.push('after ' + names.map((n, k) => `${n}=${val(u64(b, 8 + 8 * k))}`).join(' '));
      out.push(`  xmm0=${b.subarray(96, 112).toString('hex')} xmm1=${b.subarray(112, 128).toString('hex')} ` +
        `xmm2=${b.subarray(128, 144).toString('hex')} xmm15=${b.subarray(144, 160).toString('hex')} blocked=${hex(u64(b, 160))}`);
    } else if (tag === 'PENDING:') {
      out.push(`pending=${hex(u64(buf, o + 8))}`);
      o += 16;
    } else if (tag === 'OLDACT::') {
      out.push(`oldact handler=${hex(u64(buf, o + 8))} flags=${hex(u64(buf, o + 16))} restorer=${hex(u64(buf, o + 24))} mask=${hex(u64(buf, o + 32))}`);
      o += 40;
    } else {
      out.push(`text ${JSON.stringify(buf.subarray(o).toString('latin1'))}`);
      break;
    }
  }
  return out;
}
