# Single-stepping with TF set by the program itself: each instruction traps (#DB) into a SIGTRAP handler,
# which dumps its frame; after three traps the handler clears TF in the saved flags.
        .globl _start
        .text
_start:
        mov $13, %eax; mov $5, %edi; lea act(%rip), %rsi; xor %edx, %edx; mov $8, %r10d; syscall
        pushfq
        orq $0x100, (%rsp)
        popfq
step1:  nop
step2:  mov $7, %ecx
step3:  add $1, %ecx
step4:  nop
        mov $1, %eax; mov $1, %edi; lea done(%rip), %rsi; mov $5, %edx; syscall
        mov $60, %eax; xor %edi, %edi; syscall

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
        incl count(%rip)
        cmpl $3, count(%rip)
        jne 1f
        mov hbuf+40(%rip), %rsi
        andq $~0x100, 184(%rsi)
1:      ret

restorer:
        mov $15, %eax
        syscall

        .data
act:    .quad handler, 0x04000004, restorer, 0
count:  .long 0
hbuf:   .ascii "HANDLER:"
        .fill 72, 1, 0
done:   .ascii "DONE\n"
