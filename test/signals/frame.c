// Signal delivery as a C program sees it through the C library's sigaction (glibc and musl both install
// their own restorer): siginfo and ucontext fields, printed with write() from the handlers. Stack
// addresses and the pid differ between runs; the program prints only relations for those.
#define _GNU_SOURCE
#include <signal.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

static void put(const char *s) { write(1, s, strlen(s)); }

static void putx(const char *name, unsigned long v) {
  char b[64];
  int n = 0;
  while (*name) b[n++] = *name++;
  b[n++] = '=';
  b[n++] = '0';
  b[n++] = 'x';
  char d[20];
  int k = 0;
  do { d[k++] = "0123456789abcdef"[v & 15]; v >>= 4; } while (v);
  while (k) b[n++] = d[--k];
  b[n++] = ' ';
  write(1, b, n);
}

extern char fault_site[], after_fault[], ud_site[], bp_after[];
static sigjmp_buf jb;
static pid_t me;

static void show(int sig, siginfo_t *si, void *ucv) {
  ucontext_t *uc = ucv;
  greg_t *g = uc->uc_mcontext.gregs;
  putx("sig", sig);
  putx("signo", si->si_signo);
  putx("errno", si->si_errno);
  putx("code", (unsigned)si->si_code);
  if (si->si_code <= 0) {
    putx("pid_is_me", si->si_pid == me);
    putx("uid", si->si_uid);
    if (si->si_code == SI_QUEUE) putx("value", si->si_value.sival_int);
  } else {
    putx("addr", (unsigned long)si->si_addr);
  }
  put("\n  ");
  putx("uc_flags", uc->uc_flags & ~1UL);
  putx("uc_link", (unsigned long)uc->uc_link);
  putx("ss_sp", (unsigned long)uc->uc_stack.ss_sp);
  putx("ss_flags", uc->uc_stack.ss_flags);
  putx("ss_size", uc->uc_stack.ss_size);
  putx("si-uc", (char *)si - (char *)uc);
  putx("frame%16", ((uintptr_t)uc - 8) % 16);
  putx("fp%64", (uintptr_t)uc->uc_mcontext.fpregs % 64);
  putx("fp-uc", (char *)uc->uc_mcontext.fpregs - (char *)uc);
  put("\n  ");
  // PF and AF may come from arithmetic on a stack address (the C library adjusting rsp before a syscall).
  putx("efl", g[REG_EFL] & ~0x14UL);
  putx("csgsfs", g[REG_CSGSFS]);
  putx("err", g[REG_ERR]);
  putx("trapno", g[REG_TRAPNO]);
  putx("oldmask", g[REG_OLDMASK]);
  putx("cr2", g[REG_CR2]);
  putx("mask", *(unsigned long *)&uc->uc_sigmask);
  putx("fcw", uc->uc_mcontext.fpregs->cwd);
  putx("mxcsr", uc->uc_mcontext.fpregs->mxcsr);
  put("\n  ");
  if (sig == SIGSEGV) {
    putx("rip-fault_site", g[REG_RIP] - (unsigned long)fault_site);
    putx("r8", g[REG_R8]); putx("r9", g[REG_R9]); putx("r10", g[REG_R10]); putx("r11", g[REG_R11]);
    putx("r12", g[REG_R12]); putx("r13", g[REG_R13]); putx("r14", g[REG_R14]); putx("r15", g[REG_R15]);
    putx("rax", g[REG_RAX]); putx("rbx", g[REG_RBX]);
  } else if (sig == SIGILL) {
    putx("rip-ud_site", g[REG_RIP] - (unsigned long)ud_site);
  } else if (sig == SIGTRAP) {
    putx("rip-bp_after", g[REG_RIP] - (unsigned long)bp_after);
  }
  put("\n");
  if (sig == SIGSEGV || sig == SIGILL) siglongjmp(jb, 1);
}

int main(void) {
  me = getpid();
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = show;
  sa.sa_flags = SA_SIGINFO;
  sigaddset(&sa.sa_mask, SIGUSR2);
  int sigs[] = { SIGUSR1, SIGSEGV, SIGILL, SIGTRAP, SIGRTMIN + 1 };
  for (unsigned k = 0; k < sizeof sigs / sizeof *sigs; k++) sigaction(sigs[k], &sa, 0);

  kill(me, SIGUSR1);
  raise(SIGUSR1);
  union sigval v = { .sival_int = 4242 };
  sigqueue(me, SIGRTMIN + 1, v);

  if (!sigsetjmp(jb, 1)) {
    __asm__ volatile(
      "movabs $0x1111111111111111, %%r8\n\t"
      "movabs $0x2222222222222222, %%r9\n\t"
      "movabs $0x3333333333333333, %%r10\n\t"
      "movabs $0x4444444444444444, %%r11\n\t"
      "movabs $0x5555555555555555, %%r12\n\t"
      "movabs $0x6666666666666666, %%r13\n\t"
      "movabs $0x7777777777777777, %%r14\n\t"
      "movabs $0x8888888888888888, %%r15\n\t"
      "movabs $0x9999999999999999, %%rax\n\t"
      "movabs $0xaaaaaaaaaaaaaaaa, %%rbx\n\t"
      ".globl fault_site\n"
      "fault_site: movl $1, 16\n\t"
      ".globl after_fault\n"
      "after_fault: nop\n"
      ::: "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "rax", "rbx", "memory");
  }
  if (!sigsetjmp(jb, 1)) __asm__ volatile(".globl ud_site\nud_site: ud2");
  __asm__ volatile("int3\n.globl bp_after\nbp_after: nop");

  // Blocked while raised, then delivered when sigprocmask unblocks it: the frame's mask is the new one.
  sigset_t s, old;
  sigemptyset(&s);
  sigaddset(&s, SIGUSR1);
  sigprocmask(SIG_BLOCK, &s, &old);
  raise(SIGUSR1);
  sigset_t pend;
  sigpending(&pend);
  putx("pending_usr1", sigismember(&pend, SIGUSR1));
  put("\n");
  sigprocmask(SIG_SETMASK, &old, 0);

  // On the alternate stack.
  static char alt[65536];
  stack_t ss = { .ss_sp = alt, .ss_size = sizeof alt, .ss_flags = 0 };
  sigaltstack(&ss, 0);
  sa.sa_flags |= SA_ONSTACK;
  sigaction(SIGUSR1, &sa, 0);
  raise(SIGUSR1);
  stack_t cur;
  sigaltstack(0, &cur);
  putx("alt_flags", cur.ss_flags);
  putx("alt_size", cur.ss_size);
  put("\n");
  return 0;
}
