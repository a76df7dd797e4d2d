# Signal frame layout probe: every handler invocation dumps its entry registers, the rt_sigframe and the
# FPU image; dumpfinal dumps the registers the interrupted code sees after rt_sigreturn. With an argument,
# only the integer-division faults run (#DE: divide by zero, and the quotient overflow of idiv).
        .globl _start
        .text
_start:
        mov $10, %edi; lea act(%rip), %rsi; call setact
        mov $11, %edi; lea act(%rip), %rsi; call setact
        mov $4, %edi; lea act(%rip), %rsi; call setact
        mov $5, %edi; lea act(%rip), %rsi; call setact
        mov $8, %edi; lea act(%rip), %rsi; call setact
        movabs $0x0102030405060708, %rbx
        movabs $0x1112131415161718, %rbp
        movabs $0x2122232425262728, %r12
        movabs $0x3132333435363738, %r13
        movabs $0x4142434445464748, %r14
        movabs $0x5152535455565758, %r15
        movdqu xval0(%rip), %xmm0
        movdqu xval2(%rip), %xmm2
        movdqu xval15(%rip), %xmm15
        fldpi                       # x87 state too: every frame's FPU image must show it
        cmpq $1, (%rsp)
        jne divs
        # 1: kill(getpid(), SIGUSR1) from a syscall
        mov $39, %eax
        syscall
        mov %rax, %rdi
        mov $10, %esi
        mov $62, %eax
        movabs $0x6162636465666768, %r8
        movabs $0x7172737475767778, %r9
        movabs $0x8182838485868788, %r10
        syscall
kill_ret:
        call dumpfinal
        # 2: write to NULL
        lea 1f(%rip), %rax
        mov %rax, resume(%rip)
        movabs $0x9192939495969798, %r8
        movabs $0xa1a2a3a4a5a6a7a8, %rax
fault_w:
        movq $1, 0
1:      call dumpfinal
        # 3: read of address 8
        lea 1f(%rip), %rax
        mov %rax, resume(%rip)
fault_r:
        mov 8, %rcx
1:      call dumpfinal
        # 4: write to the text
        lea 1f(%rip), %rax
        mov %rax, resume(%rip)
fault_text:
        movl $1, _start(%rip)
1:      call dumpfinal
        # 5: call to an unmapped address
        lea 1f(%rip), %rax
        mov %rax, resume(%rip)
        mov $0x1000, %eax
fault_call:
        call *%rax
1:      lea 8(%rsp), %rsp
        call dumpfinal
        # 6: ud2
        lea 1f(%rip), %rax
        mov %rax, resume(%rip)
fault_ud:
        ud2
1:      call dumpfinal
        # 7: int3 (a trap: the frame's rip is already past it)
fault_bp:
        int3
bp_after:
        call dumpfinal
        # 8: non-canonical address: #GP
        lea 1f(%rip), %rax
        mov %rax, resume(%rip)
        movabs $0x8000000000000000, %rax
fault_gp:
        movq $1, (%rax)
1:      call dumpfinal
        # 9: blocked then unblocked: delivered on the way out of rt_sigprocmask
        mov $14, %eax; mov $0, %edi; lea usr1set(%rip), %rsi; xor %edx, %edx; mov $8, %r10d; syscall
        mov $39, %eax; syscall
        mov %rax, %rdi; mov $10, %esi; mov $62, %eax; syscall
        mov $127, %eax; lea pendset(%rip), %rdi; mov $8, %esi; syscall
        mov $1, %eax; mov $1, %edi; lea pendtag(%rip), %rsi; mov $16, %edx; syscall
        mov $14, %eax; mov $1, %edi; lea usr1set(%rip), %rsi; xor %edx, %edx; mov $8, %r10d; syscall
unblock_ret:
        call dumpfinal
        # 10: sigaltstack + SA_ONSTACK on SIGUSR2
        mov $131, %eax; lea ss(%rip), %rdi; xor %esi, %esi; syscall
        mov $12, %edi; lea actonstack(%rip), %rsi; call setact
        mov $39, %eax; syscall
        mov %rax, %rdi; mov $12, %esi; mov $62, %eax; syscall
        call dumpfinal
        # 11: SA_RESETHAND|SA_NODEFER on SIGUSR1, then read the action back
        mov $10, %edi; lea actreset(%rip), %rsi; call setact
        mov $39, %eax; syscall
        mov %rax, %rdi; mov $10, %esi; mov $62, %eax; syscall
        call dumpfinal
        mov $13, %eax; mov $10, %edi; xor %esi, %esi; lea oact(%rip), %rdx; mov $8, %r10d; syscall
        mov $1, %eax; mov $1, %edi; lea oacttag(%rip), %rsi; mov $40, %edx; syscall
        # 12: SIG_IGN: nothing happens
        mov $10, %edi; lea actign(%rip), %rsi; call setact
        mov $39, %eax; syscall
        mov %rax, %rdi; mov $10, %esi; mov $62, %eax; syscall
        call dumpfinal
        mov $60, %eax
        mov $7, %edi
        syscall

divs:
        lea 1f(%rip), %rax
        mov %rax, resume(%rip)
        mov $5, %eax
        xor %edx, %edx
        xor %ecx, %ecx
fault_div0:
        div %ecx
1:      call dumpfinal
        lea 1f(%rip), %rax
        mov %rax, resume(%rip)
        movabs $0x8000000000000000, %rax
        mov $-1, %rdx
        mov $-1, %rcx
fault_idiv:
        idiv %rcx
1:      call dumpfinal
        mov $60, %eax
        mov $8, %edi
        syscall

setact:
        mov $13, %eax
        xor %edx, %edx
        mov $8, %r10d
        syscall
        ret

dumpfinal:
        mov %r8, fbuf+8(%rip)
        mov %r9, fbuf+16(%rip)
        mov %r10, fbuf+24(%rip)
        mov %r12, fbuf+32(%rip)
        mov %r13, fbuf+40(%rip)
        mov %r14, fbuf+48(%rip)
        mov %r15, fbuf+56(%rip)
        mov %rbx, fbuf+64(%rip)
        mov %rbp, fbuf+72(%rip)
        mov %rax, fbuf+80(%rip)
        pushfq
        popq fbuf+88(%rip)
        movdqu %xmm0, fbuf+96(%rip)
        movdqu %xmm1, fbuf+112(%rip)
        movdqu %xmm2, fbuf+128(%rip)
        movdqu %xmm15, fbuf+144(%rip)
        mov $14, %eax; xor %edi, %edi; xor %esi, %esi; lea fbuf+160(%rip), %rdx; mov $8, %r10d; syscall
        mov $1, %eax; mov $1, %edi; lea fbuf(%rip), %rsi; mov $168, %edx; syscall
        mov fbuf+80(%rip), %rax
        ret

handler:
        mov %rdi, hbuf+8(%rip)
        mov %rsi, hbuf+16(%rip)
        mov %rdx, hbuf+24(%rip)
        mov %rax, hbuf+32(%rip)
        mov %rsp, hbuf+40(%rip)
        pushfq
        popq hbuf+48(%rip)
        movdqu %xmm0, hbuf+56(%rip)
        mov $14, %eax; xor %edi, %edi; xor %esi, %esi; lea hbuf+72(%rip), %rdx; mov $8, %r10d; syscall
        mov $1, %eax; mov $1, %edi; lea hbuf(%rip), %rsi; mov $80, %edx; syscall
        mov $1, %eax; mov $1, %edi; mov hbuf+40(%rip), %rsi; mov $440, %edx; syscall
        mov hbuf+40(%rip), %rsi; mov 232(%rsi), %rsi
        mov $1, %eax; mov $1, %edi; mov $512, %edx; syscall
        mov hbuf+40(%rip), %rsi
        mov resume(%rip), %rax
        test %rax, %rax
        jz 1f
        mov %rax, 176(%rsi)
        movq $0, resume(%rip)
1:      cmpq $10, hbuf+8(%rip)
        jne 2f
        movq $0x77, 152(%rsi)
        mov 232(%rsi), %rdi
        movabs $0x0badc0dedeadbeef, %rax
        mov %rax, 176(%rdi)
        mov %rax, 184(%rdi)
2:      ret

restorer:
        mov $15, %eax
        syscall

        .data
        .align 16
xval0:  .quad 0x1122334455667788, 0x99aabbccddeeff00
xval2:  .quad 0x0123456789abcdef, 0xfedcba9876543210
xval15: .quad 0x5555aaaa5555aaaa, 0x3333cccc3333cccc
act:    .quad handler, 0x04000004, restorer, 0x800
actonstack: .quad handler, 0x0c000004, restorer, 0
actreset: .quad handler, 0xc4000004, restorer, 0
actign: .quad 1, 0x04000000, restorer, 0
usr1set: .quad 0x200
ss:     .quad altstack, 0, 16384
resume: .quad 0
hbuf:   .ascii "HANDLER:"
        .fill 72, 1, 0
fbuf:   .ascii "FINALREG"
        .fill 160, 1, 0
pendtag: .ascii "PENDING:"
pendset: .quad 0
oacttag: .ascii "OLDACT::"
oact:   .fill 32, 1, 0
        .bss
        .align 64
altstack: .fill 16384, 1, 0
