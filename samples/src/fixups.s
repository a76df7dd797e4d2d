# Every kind of probed instruction the uprobes model handles differently: RIP-relative operands
# (loads, stores, read-modify-write, lea, compare, SSE, indirect call/jmp through memory), direct and
# indirect calls, every jump kind, push/pop, nop forms, rep string instructions, a syscall site, and a
# recursive function for return probes. Each site has a global label so that tests can probe it by name.
# Exits with status 42 after writing "done\n".

        .globl _start
        .text
_start:
        xor     %ebx, %ebx
        mov     $0x1111, %esi
        mov     $0x2222, %edi
        .globl riprel_load
riprel_load:
        mov     val(%rip), %rax
        .globl after_load
after_load:
        nop
        .globl riprel_store
riprel_store:
        mov     %rax, out(%rip)
        .globl riprel_rmw
riprel_rmw:
        addq    $5, out(%rip)
        .globl riprel_lea
riprel_lea:
        lea     msg(%rip), %rsi
        .globl riprel_cmp
riprel_cmp:
        cmpq    $7, val(%rip)
        .globl riprel_uses_si
riprel_uses_si:
        mov     val(%rip), %rsi
        .globl riprel_r8
riprel_r8:
        mov     out(%rip), %r8
        .globl riprel_byte
riprel_byte:
        movzbl  msg+1(%rip), %edx
        .globl riprel_sse
riprel_sse:
        movsd   dval(%rip), %xmm0
        .globl riprel_sse_add
riprel_sse_add:
        addsd   dval(%rip), %xmm0
        movq    %xmm0, %rax
        .globl icall_rip
icall_rip:
        call    *fptr(%rip)
        .globl ijmp_rip
ijmp_rip:
        jmp     *jptr(%rip)
        ud2
        .globl jtarget
jtarget:
        .globl dcall
dcall:
        call    func
        lea     func(%rip), %rbx
        .globl icall_reg
icall_reg:
        call    *%rbx
        lea     back1(%rip), %rcx
        .globl ijmp_reg
ijmp_reg:
        jmp     *%rcx
        ud2
back1:
        .globl jmp_short
jmp_short:
        jmp     1f
        ud2
1:
        .globl jmp_near
jmp_near:
        jmp     2f
        .fill   200, 1, 0x90
2:
        xor     %ecx, %ecx
        cmp     $0, %ecx
        .globl jcc_taken
jcc_taken:
        je      3f
        ud2
3:
        .globl jcc_not_taken
jcc_not_taken:
        jne     4f
        .globl jcc_near
jcc_near:
        je      5f
        .fill   200, 1, 0x90
5:
4:
        mov     $3, %ecx
6:
        .globl loop_site
loop_site:
        loop    6b
        .globl jrcxz_site
jrcxz_site:
        jrcxz   7f
        ud2
7:
        mov     $0x1234, %r12
        .globl push_site
push_site:
        push    %r12
        .globl pop_site
pop_site:
        pop     %r13
        .globl push_rbx
push_rbx:
        push    %rbx
        pop     %rbx
        .globl push_imm
push_imm:
        push    $0x77
        pop     %rax
        # The kernel's eight standard nops (x86_nops[1..8]), byte for byte.
        .globl nop1
nop1:
        .byte   0x90
        .globl nop2
nop2:
        .byte   0x66, 0x90
        .globl nop3
nop3:
        .byte   0x0f, 0x1f, 0x00
        .globl nop4
nop4:
        .byte   0x0f, 0x1f, 0x40, 0x00
        .globl nop5
nop5:
        .byte   0x0f, 0x1f, 0x44, 0x00, 0x00
        .globl nop6
nop6:
        .byte   0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00
        .globl nop7
nop7:
        .byte   0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00
        .globl nop8
nop8:
        .byte   0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00
        # A nop form outside that list (stepped out of line today).
        .globl nop_other
nop_other:
        nopw    %cs:0(%rax,%rax,1)
        lea     msg(%rip), %rsi
        lea     buf(%rip), %rdi
        mov     $5, %ecx
        .globl rep_movsb
rep_movsb:
        rep movsb
        .globl add_site
add_site:
        add     $1, %rbx
        .globl pushf_site
pushf_site:
        pushfq
        popfq
        mov     $5, %edi
        .globl call_fact
call_fact:
        call    fact
        mov     %rax, %r14
        # write(1, done, 5)
        mov     $1, %eax
        mov     $1, %edi
        lea     donemsg(%rip), %rsi
        mov     $5, %edx
        .globl syscall_site
syscall_site:
        syscall
        .globl exit_site
exit_site:
        mov     $60, %eax
        mov     $42, %edi
        syscall

        .globl func
        .type func, @function
func:
        mov     $0x99, %eax
        ret
        .size func, .-func

# fact(n) = n <= 1 ? 1 : n * fact(n-1), recursive, with a frame pointer.
        .globl fact
        .type fact, @function
fact:
        push    %rbp
        mov     %rsp, %rbp
        push    %rbx
        mov     %rdi, %rbx
        cmp     $1, %rdi
        jle     1f
        lea     -1(%rdi), %rdi
        call    fact
        imul    %rbx, %rax
        jmp     2f
1:      mov     $1, %eax
2:      pop     %rbx
        pop     %rbp
        .globl fact_ret
fact_ret:
        ret
        .size fact, .-fact

        .data
        .globl val
val:    .quad   0x1122334455667788
        .globl out
out:    .quad   0
        .globl msg
msg:    .asciz  "hello, uprobes"
        .globl dval
dval:   .double 1.5
fptr:   .quad   func
jptr:   .quad   jtarget
donemsg: .ascii "done\n"
        .globl arr
arr:    .byte   1, 2, 3, 4, 0xff, 0x80, 0x7f, 0
        .globl strp
strp:   .quad   msg
        .globl badp
badp:   .quad   0x10
        .bss
        .globl buf
buf:    .zero   64
