# SYNTAX TEST "source.gas-x86-64" "GNU as x86-64: comments, labels, directives, statements"

# a whole-line comment
# <- comment.line.number-sign.gas-x86-64 punctuation.definition.comment.gas-x86-64
#^^^^^^^^^^^^^^^^^^^^^ comment.line.number-sign.gas-x86-64

/ a slash at the start of a line is a comment too
# <- comment.line.slash.gas-x86-64 punctuation.definition.comment.gas-x86-64
#^^^^^^^^ comment.line.slash.gas-x86-64
    / even after blanks
#   ^ comment.line.slash.gas-x86-64 punctuation.definition.comment.gas-x86-64

/* a block comment */ nop
# <-- comment.block.gas-x86-64 punctuation.definition.comment.begin.gas-x86-64
# ^^^^^^^^^^^^^^^^^ comment.block.gas-x86-64
#                  ^^ comment.block.gas-x86-64 punctuation.definition.comment.end.gas-x86-64
#                     ^^^ meta.instruction.gas-x86-64 keyword.mnemonic.gas-x86-64 - comment.block.gas-x86-64

/* a block comment
# ^^^^^^^^^^^^^^^^ comment.block.gas-x86-64
   over two lines, with # and ; inside */ ret
#  ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ comment.block.gas-x86-64 - comment.line.number-sign.gas-x86-64
#                                      ^^ comment.block.gas-x86-64 punctuation.definition.comment.end.gas-x86-64
#                                         ^^^ meta.instruction.gas-x86-64 keyword.mnemonic.gas-x86-64

        mov $1, %eax        # comment after an instruction
#       ^^^ meta.instruction.gas-x86-64 keyword.mnemonic.gas-x86-64
#               ^^^^ meta.instruction.gas-x86-64 variable.language.register.general.gas-x86-64
#                           ^ comment.line.number-sign.gas-x86-64 punctuation.definition.comment.gas-x86-64 - meta.instruction.gas-x86-64
#                            ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ comment.line.number-sign.gas-x86-64
        mov $1, %eax        // a C++ comment (cpp strips it from .S files)
#                           ^^ comment.line.double-slash.gas-x86-64 punctuation.definition.comment.gas-x86-64
#                             ^^^^^^^^^^^^^^ comment.line.double-slash.gas-x86-64
        .quad 1             # comment after a directive
#       ^^^^^ meta.directive.gas-x86-64 keyword.other.directive.gas-x86-64
#                           ^ comment.line.number-sign.gas-x86-64 punctuation.definition.comment.gas-x86-64

_start:
# <------ entity.name.label.gas-x86-64
#     ^ punctuation.separator.label.gas-x86-64
.L_loop: dec %ecx
# <------- entity.name.label.gas-x86-64
#      ^ punctuation.separator.label.gas-x86-64
#        ^^^ meta.instruction.gas-x86-64 keyword.mnemonic.gas-x86-64
foo$bar : nop
# <------- entity.name.label.gas-x86-64
#       ^ punctuation.separator.label.gas-x86-64
a: b: ret
# <- entity.name.label.gas-x86-64
#  ^ entity.name.label.gas-x86-64
#     ^^^ keyword.mnemonic.gas-x86-64

1:      jmp 1b
# <- entity.name.label.local.gas-x86-64
#^ punctuation.separator.label.gas-x86-64
#       ^^^ keyword.mnemonic.gas-x86-64
#           ^ meta.instruction.gas-x86-64 variable.other.label.local.gas-x86-64 - constant.numeric.decimal.gas-x86-64
#            ^ variable.other.label.local.gas-x86-64 storage.modifier.direction.gas-x86-64
        jne 2f
#           ^^ variable.other.label.local.gas-x86-64
#            ^ storage.modifier.direction.gas-x86-64
        jmp 0b
#           ^^ variable.other.label.local.gas-x86-64 - constant.numeric.binary.gas-x86-64
10:     loop 10b
# <-- entity.name.label.local.gas-x86-64
#            ^^^ variable.other.label.local.gas-x86-64

        nop; nop ; ret
#       ^^^ meta.instruction.gas-x86-64 keyword.mnemonic.gas-x86-64
#          ^ punctuation.terminator.statement.gas-x86-64 - meta.instruction.gas-x86-64
#            ^^^ meta.instruction.gas-x86-64 keyword.mnemonic.gas-x86-64
#                ^ punctuation.terminator.statement.gas-x86-64
#                  ^^^ meta.instruction.gas-x86-64 keyword.mnemonic.gas-x86-64
0: jmp 0b ; 1: jmp 1f ; 1: nop
# <- entity.name.label.local.gas-x86-64
#           ^ entity.name.label.local.gas-x86-64
#                  ^^ variable.other.label.local.gas-x86-64
#                       ^ entity.name.label.local.gas-x86-64

        lock; addl $1, (%rax)
#       ^^^^ storage.modifier.prefix.gas-x86-64 - keyword.mnemonic.gas-x86-64
#           ^ punctuation.terminator.statement.gas-x86-64
#             ^^^^ keyword.mnemonic.gas-x86-64
        lock cmpxchgq %rcx, (%rdx)
#       ^^^^ storage.modifier.prefix.gas-x86-64
#            ^^^^^^^^ meta.instruction.gas-x86-64 keyword.mnemonic.gas-x86-64
        rep movsb
#       ^^^ storage.modifier.prefix.gas-x86-64
#           ^^^^^ keyword.mnemonic.gas-x86-64
        repne scasb
#       ^^^^^ storage.modifier.prefix.gas-x86-64
        data16 nop
#       ^^^^^^ storage.modifier.prefix.gas-x86-64
#              ^^^ keyword.mnemonic.gas-x86-64
        addr32 call foo
#       ^^^^^^ storage.modifier.prefix.gas-x86-64
        rex.W nop
#       ^^^^^ storage.modifier.prefix.gas-x86-64
        notrack jmp *%rax
#       ^^^^^^^ storage.modifier.prefix.gas-x86-64
#               ^^^ keyword.mnemonic.gas-x86-64
        cs nop
#       ^^ storage.modifier.prefix.gas-x86-64
        xacquire lock incl (%rax)
#       ^^^^^^^^ storage.modifier.prefix.gas-x86-64
#                ^^^^ storage.modifier.prefix.gas-x86-64
#                     ^^^^ keyword.mnemonic.gas-x86-64
        {vex} vpdpbusd %ymm1, %ymm2, %ymm3
#       ^^^^^ storage.modifier.prefix.pseudo.gas-x86-64
#       ^ punctuation.definition.prefix.begin.gas-x86-64
#             ^^^^^^^^ keyword.mnemonic.gas-x86-64
        {disp32} movl %eax, 8(%rbp)
#       ^^^^^^^^ storage.modifier.prefix.pseudo.gas-x86-64

        movq %rax, %rbx
#       ^^^^ keyword.mnemonic.gas-x86-64
        movzbl (%rsi), %eax
#       ^^^^^^ keyword.mnemonic.gas-x86-64
        cvtsi2sdq %rax, %xmm0
#       ^^^^^^^^^ keyword.mnemonic.gas-x86-64
        MOV %RAX, %RBX
#       ^^^ keyword.mnemonic.gas-x86-64
#           ^^^^ variable.language.register.general.gas-x86-64
        syscall
#       ^^^^^^^ meta.instruction.gas-x86-64 keyword.mnemonic.gas-x86-64
        mov.s %eax, %ebx
#       ^^^^^ keyword.mnemonic.gas-x86-64

len = . - msg
# <--- meta.assignment.gas-x86-64 variable.other.constant.gas-x86-64
#   ^ keyword.operator.assignment.gas-x86-64
#     ^ variable.language.location-counter.gas-x86-64
#       ^ keyword.operator.gas-x86-64
#         ^^^ variable.other.symbol.gas-x86-64
answer == 42
# <------ variable.other.constant.gas-x86-64
#      ^^ keyword.operator.assignment.gas-x86-64
#         ^^ constant.numeric.decimal.gas-x86-64

        .globl _start
#       ^^^^^^ meta.directive.gas-x86-64 keyword.other.directive.gas-x86-64
#              ^^^^^^ meta.directive.gas-x86-64 variable.other.symbol.gas-x86-64
        .global main, other
#       ^^^^^^^ keyword.other.directive.gas-x86-64
        .text
#       ^^^^^ keyword.other.directive.gas-x86-64
        .data
#       ^^^^^ keyword.other.directive.gas-x86-64
        .section .rodata.str1.1,"aMS",@progbits,1
#       ^^^^^^^^ meta.directive.section.gas-x86-64 keyword.other.directive.gas-x86-64
#                ^^^^^^^^^^^^^^ entity.name.section.gas-x86-64
#                               ^^^^^ string.quoted.double.gas-x86-64
#                                     ^^^^^^^^^ support.constant.type.gas-x86-64
#                                     ^ punctuation.definition.type.gas-x86-64
#                                               ^ constant.numeric.decimal.gas-x86-64
        .section .note.GNU-stack,"",@progbits
#                ^^^^^^^^^^^^^^^ entity.name.section.gas-x86-64
        .pushsection .text.unlikely
#       ^^^^^^^^^^^^ keyword.other.directive.gas-x86-64
#                    ^^^^^^^^^^^^^^ entity.name.section.gas-x86-64
        .popsection
#       ^^^^^^^^^^^ keyword.other.directive.gas-x86-64
        .type main, @function
#       ^^^^^ keyword.other.directive.gas-x86-64
#             ^^^^ variable.other.symbol.gas-x86-64
#                 ^ punctuation.separator.comma.gas-x86-64
#                   ^^^^^^^^^ support.constant.type.gas-x86-64
        .type table, %object
#                    ^^^^^^^ support.constant.type.gas-x86-64 - invalid.illegal.register.gas-x86-64
        .type ifunc, @gnu_indirect_function
#                    ^^^^^^^^^^^^^^^^^^^^^^ support.constant.type.gas-x86-64
        .size main, .-main
#       ^^^^^ keyword.other.directive.gas-x86-64
#                   ^ variable.language.location-counter.gas-x86-64
#                    ^ keyword.operator.gas-x86-64
#                     ^^^^ variable.other.symbol.gas-x86-64
        .byte 1, 0x2, 'a, 'b'
#       ^^^^^ keyword.other.directive.gas-x86-64
#                ^^^ constant.numeric.hex.gas-x86-64
#                     ^^ constant.character.gas-x86-64
#                         ^^^ constant.character.gas-x86-64
        .word 0xffff
#       ^^^^^ keyword.other.directive.gas-x86-64
        .short 1
#       ^^^^^^ keyword.other.directive.gas-x86-64
        .long sym + 4
#       ^^^^^ keyword.other.directive.gas-x86-64
#                 ^ keyword.operator.gas-x86-64
        .quad 0x1122334455667788, main
#       ^^^^^ keyword.other.directive.gas-x86-64
#             ^^^^^^^^^^^^^^^^^^ constant.numeric.hex.gas-x86-64
        .octa 0
#       ^^^^^ keyword.other.directive.gas-x86-64
        .ascii "hello\n"
#       ^^^^^^ keyword.other.directive.gas-x86-64
#              ^ string.quoted.double.gas-x86-64 punctuation.definition.string.begin.gas-x86-64
#               ^^^^^ string.quoted.double.gas-x86-64
#                    ^^ string.quoted.double.gas-x86-64 constant.character.escape.gas-x86-64
#                      ^ string.quoted.double.gas-x86-64 punctuation.definition.string.end.gas-x86-64
        .asciz "done"
#       ^^^^^^ keyword.other.directive.gas-x86-64
        .string "s"
#       ^^^^^^^ keyword.other.directive.gas-x86-64
        .fill 200, 1, 0x90
#       ^^^^^ keyword.other.directive.gas-x86-64
#             ^^^ constant.numeric.decimal.gas-x86-64
#                     ^^^^ constant.numeric.hex.gas-x86-64
        .zero 16
#       ^^^^^ keyword.other.directive.gas-x86-64
        .skip 8, 0
#       ^^^^^ keyword.other.directive.gas-x86-64
        .space 4
#       ^^^^^^ keyword.other.directive.gas-x86-64
        .align 16
#       ^^^^^^ keyword.other.directive.gas-x86-64
        .balign 8
#       ^^^^^^^ keyword.other.directive.gas-x86-64
        .p2align 4,,15
#       ^^^^^^^^ keyword.other.directive.gas-x86-64
        .comm buf, 64, 8
#       ^^^^^ keyword.other.directive.gas-x86-64
        .lcomm lbuf, 64
#       ^^^^^^ keyword.other.directive.gas-x86-64
        .set SIZE, 64
#       ^^^^ keyword.other.directive.gas-x86-64
#            ^^^^ variable.other.symbol.gas-x86-64
        .equ COUNT, 3
#       ^^^^ keyword.other.directive.gas-x86-64
        .weak wsym
#       ^^^^^ keyword.other.directive.gas-x86-64
        .hidden hsym
#       ^^^^^^^ keyword.other.directive.gas-x86-64
        .local lsym
#       ^^^^^^ keyword.other.directive.gas-x86-64
        .file "fixups.s"
#       ^^^^^ keyword.other.directive.gas-x86-64
#             ^^^^^^^^^^ string.quoted.double.gas-x86-64
        .ident "GCC: (Debian) 12.2.0"
#       ^^^^^^ keyword.other.directive.gas-x86-64
        .include "macros.inc"
#       ^^^^^^^^ keyword.other.directive.gas-x86-64
        .incbin "blob.bin"
#       ^^^^^^^ keyword.other.directive.gas-x86-64
        .code64
#       ^^^^^^^ keyword.other.directive.gas-x86-64
        .att_syntax prefix
#       ^^^^^^^^^^^ keyword.other.directive.gas-x86-64
        .float 1.5
#       ^^^^^^ keyword.other.directive.gas-x86-64
#              ^^^ constant.numeric.float.gas-x86-64
        .double 3.14, 0d1.5, 0e2.5, 0f1e3
#       ^^^^^^^ keyword.other.directive.gas-x86-64
#               ^^^^ constant.numeric.float.gas-x86-64
#                     ^^^^^ constant.numeric.float.gas-x86-64
#                            ^^^^^ constant.numeric.float.gas-x86-64
#                                   ^^^^^ constant.numeric.float.gas-x86-64 - variable.other.label.local.gas-x86-64
        .uleb128 300
#       ^^^^^^^^ keyword.other.directive.gas-x86-64
        .sleb128 -1
#       ^^^^^^^^ keyword.other.directive.gas-x86-64
#                ^ keyword.operator.gas-x86-64
        .cfi_startproc
#       ^^^^^^^^^^^^^^ meta.directive.gas-x86-64 keyword.other.directive.gas-x86-64
        .cfi_def_cfa_offset 16
#       ^^^^^^^^^^^^^^^^^^^ keyword.other.directive.gas-x86-64
#                           ^^ constant.numeric.decimal.gas-x86-64
        .cfi_offset %rbp, -16
#       ^^^^^^^^^^^ keyword.other.directive.gas-x86-64
#                   ^^^^ variable.language.register.general.gas-x86-64
        .cfi_def_cfa_register %rbp
#       ^^^^^^^^^^^^^^^^^^^^^ keyword.other.directive.gas-x86-64
        .cfi_endproc
#       ^^^^^^^^^^^^ keyword.other.directive.gas-x86-64
        .if COUNT > 2
#       ^^^ keyword.other.directive.gas-x86-64
#                 ^ keyword.operator.gas-x86-64
        .else
#       ^^^^^ keyword.other.directive.gas-x86-64
        .endif
#       ^^^^^^ keyword.other.directive.gas-x86-64
        .rept 3
#       ^^^^^ keyword.other.directive.gas-x86-64
        .endr
#       ^^^^^ keyword.other.directive.gas-x86-64
        .irp r, rax, rbx
#       ^^^^ keyword.other.directive.gas-x86-64
        .GLOBL upper
#       ^^^^^^ keyword.other.directive.gas-x86-64
        .frobnicate 1
#       ^^^^^^^^^^^ keyword.other.directive.unknown.gas-x86-64

.macro SAVE reg, n:req, rest:vararg, base=0
# <------ meta.directive.macro.gas-x86-64 keyword.other.directive.gas-x86-64
#      ^^^^ entity.name.function.macro.gas-x86-64
#           ^^^ variable.parameter.macro.gas-x86-64
#                ^ variable.parameter.macro.gas-x86-64
#                 ^ punctuation.separator.qualifier.gas-x86-64
#                  ^^^ storage.modifier.qualifier.gas-x86-64
#                            ^^^^^^ storage.modifier.qualifier.gas-x86-64
#                                    ^^^^ variable.parameter.macro.gas-x86-64
#                                        ^ keyword.operator.assignment.gas-x86-64
#                                         ^ constant.numeric.decimal.gas-x86-64
        push \reg
#       ^^^^ keyword.mnemonic.gas-x86-64
#            ^^^^ variable.parameter.macro.gas-x86-64
        mov \n(%rsp), %rax
#           ^^ variable.parameter.macro.gas-x86-64
#             ^ meta.memory-operand.gas-x86-64 punctuation.definition.memory.begin.gas-x86-64
.endm
# <----- keyword.other.directive.gas-x86-64
        SAVE %rbx, 8
#       ^^^^ keyword.mnemonic.gas-x86-64
#            ^^^^ variable.language.register.general.gas-x86-64
