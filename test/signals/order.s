# Several signals pending at once, unblocked together: the kernel builds one frame per signal before
# returning to user mode (lowest number first, so the last built, the highest, runs first). Real-time
# signals queue: two kills of SIGRTMIN+2 run its handler twice. Each handler run writes its signal
# number as one byte; then the interrupted code writes 'E'.
        .globl _start
        .text
_start:
        mov $10, %edi; call setact
        mov $12, %edi; call setact
        mov $34, %edi; call setact
        mov $14, %eax; xor %edi, %edi; lea all(%rip), %rsi; xor %edx, %edx; mov $8, %r10d; syscall
        mov $34, %esi; call self
        mov $12, %esi; call self
        mov $10, %esi; call self
        mov $34, %esi; call self
        mov $12, %esi; call self
        mov $14, %eax; mov $2, %edi; lea none(%rip), %rsi; xor %edx, %edx; mov $8, %r10d; syscall
        mov $1, %eax; mov $1, %edi; lea endc(%rip), %rsi; mov $1, %edx; syscall
        mov $60, %eax; xor %edi, %edi; syscall

self:   mov $39, %eax; syscall
        mov %rax, %rdi; mov $62, %eax; syscall
        ret

setact: mov $13, %eax; lea act(%rip), %rsi; xor %edx, %edx; mov $8, %r10d; syscall
        ret

handler:
        mov %dil, buf(%rip)
        mov $1, %eax; mov $1, %edi; lea buf(%rip), %rsi; mov $1, %edx; syscall
        ret

restorer:
        mov $15, %eax
        syscall

        .data
act:    .quad handler, 0x04000004, restorer, 0
all:    .quad 0x200000a00
none:   .quad 0
buf:    .byte 0
endc:   .ascii "E"
