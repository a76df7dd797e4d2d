# rt_sigreturn edge cases, chosen by argv[1][0]:
#   'z': the handler clears uc_mcontext.fpstate: the interrupted code resumes with a reset FPU
#   'm': the handler puts reserved bits into the saved MXCSR: sigreturn fails, SIGSEGV kills
#   'r': the handler is installed without SA_RESTORER: the frame cannot be built, SIGSEGV kills
#   'o': nested SA_ONSTACK|SA_NODEFER signals overflow the alternate stack: SIGSEGV kills
#   'b': rt_sigreturn called with rsp at an unmapped page: SIGSEGV kills
#   'o' and 'b' print how far they got.
        .globl _start
        .text
_start:
        mov 16(%rsp), %rax          # argv[1]
        movzbl (%rax), %eax
        mov %al, mode(%rip)
        cmpb $'r', mode(%rip)
        jne 1f
        movq $0x4, actflags(%rip)   # SA_SIGINFO only
1:      cmpb $'o', mode(%rip)
        jne 1f
        movq $0x4c000004, actflags(%rip)   # SA_ONSTACK|SA_NODEFER|SA_RESTORER|SA_SIGINFO
        mov $131, %eax; lea ss(%rip), %rdi; xor %esi, %esi; syscall
1:      mov $13, %eax; mov $10, %edi; lea act(%rip), %rsi; xor %edx, %edx; mov $8, %r10d; syscall
        cmpb $'b', mode(%rip)
        jne 1f
        mov $0x10000, %esp
        mov $15, %eax
        syscall
        jmp done
1:      movdqu xval(%rip), %xmm0
        mov $39, %eax; syscall
        mov %rax, %rdi; mov $10, %esi; mov $62, %eax; syscall
        movdqu %xmm0, out(%rip)
        mov $1, %eax; mov $1, %edi; lea out(%rip), %rsi; mov $16, %edx; syscall
done:   mov $60, %eax; mov $3, %edi; syscall

handler:
        cmpb $'z', mode(%rip)
        jne 1f
        movq $0, 232(%rsp)
        ret
1:      cmpb $'m', mode(%rip)
        jne 1f
        mov 232(%rsp), %rax
        movl $0xffffffff, 24(%rax)
        ret
1:      cmpb $'o', mode(%rip)
        jne 1f
        # one '.' per nesting level, then signal ourselves again from inside the handler
        mov $1, %eax; mov $1, %edi; lea dot(%rip), %rsi; mov $1, %edx; syscall
        mov $39, %eax; syscall
        mov %rax, %rdi; mov $10, %esi; mov $62, %eax; syscall
1:      ret

restorer:
        mov $15, %eax
        syscall

        .data
mode:   .byte 0
dot:    .ascii "."
        .align 16
xval:   .quad 0x1122334455667788, 0x99aabbccddeeff00
out:    .quad 0, 0
act:    .quad handler
actflags: .quad 0x04000004
        .quad restorer, 0
ss:     .quad altstack, 0, 66048
        .bss
        .align 64
altstack: .fill 66048, 1, 0
