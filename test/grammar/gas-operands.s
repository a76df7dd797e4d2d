# SYNTAX TEST "source.gas-x86-64" "GNU as x86-64: operands, numbers, strings"

        mov %rax, %rbx
#           ^ variable.language.register.general.gas-x86-64 punctuation.definition.register.gas-x86-64
#           ^^^^ meta.instruction.gas-x86-64 variable.language.register.general.gas-x86-64
#               ^ punctuation.separator.comma.gas-x86-64
#                 ^^^^ variable.language.register.general.gas-x86-64
        mov %eax, %r15d
#           ^^^^ variable.language.register.general.gas-x86-64
#                 ^^^^^ variable.language.register.general.gas-x86-64
        mov %ax, %r8w
#           ^^^ variable.language.register.general.gas-x86-64
#                ^^^^ variable.language.register.general.gas-x86-64
        mov %al, %ah
#           ^^^ variable.language.register.general.gas-x86-64
#                ^^^ variable.language.register.general.gas-x86-64
        mov %sil, %r12b
#           ^^^^ variable.language.register.general.gas-x86-64
#                 ^^^^^ variable.language.register.general.gas-x86-64
        mov %rsp, %rbp
#           ^^^^ variable.language.register.general.gas-x86-64
#                 ^^^^ variable.language.register.general.gas-x86-64
        mov %r9, %r10
#           ^^^ variable.language.register.general.gas-x86-64
#                ^^^^ variable.language.register.general.gas-x86-64
        movq %xmm0, %rax
#            ^^^^^ variable.language.register.vector.gas-x86-64
        vaddps %ymm15, %zmm31, %zmm2
#              ^^^^^^ variable.language.register.vector.gas-x86-64
#                      ^^^^^^ variable.language.register.vector.gas-x86-64
        movq %mm7, %mm0
#            ^^^^ variable.language.register.vector.gas-x86-64
        kmovw %k1, %eax
#             ^^^ variable.language.register.vector.gas-x86-64
        mov %fs, %ax
#           ^^^ variable.language.register.segment.gas-x86-64
        mov %cr0, %rax
#           ^^^^ variable.language.register.system.gas-x86-64
        mov %dr7, %rax
#           ^^^^ variable.language.register.system.gas-x86-64
        fld %st(1)
#           ^^^^^^ variable.language.register.x87.gas-x86-64
#            ^^ variable.language.register.x87.gas-x86-64
#               ^ variable.language.register.x87.gas-x86-64 constant.numeric.decimal.gas-x86-64
        fadd %st, %st(7)
#            ^^^ variable.language.register.x87.gas-x86-64
        mov %rzx, %rax
#           ^^^^ invalid.illegal.register.gas-x86-64
        mov %r16, %rax
#           ^^^^ variable.language.register.general.gas-x86-64

        mov $0x10, %eax
#           ^ meta.instruction.gas-x86-64 punctuation.definition.immediate.gas-x86-64
#            ^^^^ constant.numeric.hex.gas-x86-64
        mov $sym, %eax
#           ^ punctuation.definition.immediate.gas-x86-64
#            ^^^ variable.other.symbol.gas-x86-64
        mov $-1, %eax
#            ^ keyword.operator.gas-x86-64
#             ^ constant.numeric.decimal.gas-x86-64
        mov $10%3, %eax
#            ^^ constant.numeric.decimal.gas-x86-64
#              ^ keyword.operator.gas-x86-64 - variable.language.register.general.gas-x86-64
#               ^ constant.numeric.decimal.gas-x86-64
#                  ^ variable.language.register.general.gas-x86-64 punctuation.definition.register.gas-x86-64
        mov $(10 % 3), %eax
#            ^ punctuation.section.parens.begin.gas-x86-64 - meta.memory-operand.gas-x86-64
#                ^ keyword.operator.gas-x86-64
#                   ^ punctuation.section.parens.end.gas-x86-64
        mov $(1 << 4) | 3, %eax
#               ^^ keyword.operator.gas-x86-64
#                     ^ keyword.operator.gas-x86-64
        mov $len, %edx
#            ^^^ variable.other.symbol.gas-x86-64
        mov $'a, %eax
#            ^^ constant.character.gas-x86-64
#            ^ punctuation.definition.character.begin.gas-x86-64
        mov $'a', %eax
#            ^^^ constant.character.gas-x86-64
#              ^ punctuation.definition.character.end.gas-x86-64
        mov $'\n, %eax
#            ^^^ constant.character.gas-x86-64
#             ^^ constant.character.escape.gas-x86-64
        mov $'#, %edx       # a comment, not the char
#            ^^ constant.character.gas-x86-64 - comment.line.number-sign.gas-x86-64
#                           ^ comment.line.number-sign.gas-x86-64 punctuation.definition.comment.gas-x86-64
        mov $';, %edx ; nop
#            ^^ constant.character.gas-x86-64 - punctuation.terminator.statement.gas-x86-64
#                     ^ punctuation.terminator.statement.gas-x86-64
#                       ^^^ keyword.mnemonic.gas-x86-64

        mov (%rax), %rbx
#           ^ meta.memory-operand.gas-x86-64 punctuation.definition.memory.begin.gas-x86-64
#            ^^^^ meta.memory-operand.gas-x86-64 variable.language.register.general.gas-x86-64
#                ^ meta.memory-operand.gas-x86-64 punctuation.definition.memory.end.gas-x86-64
        mov 8(%rax,%rbx,4), %rcx
#           ^ constant.numeric.decimal.gas-x86-64 - meta.memory-operand.gas-x86-64
#            ^ meta.memory-operand.gas-x86-64 punctuation.definition.memory.begin.gas-x86-64
#                 ^ meta.memory-operand.gas-x86-64 punctuation.separator.memory.gas-x86-64
#                  ^^^^ meta.memory-operand.gas-x86-64 variable.language.register.general.gas-x86-64
#                       ^ meta.memory-operand.gas-x86-64 constant.numeric.decimal.gas-x86-64
#                         ^ punctuation.separator.comma.gas-x86-64 - meta.memory-operand.gas-x86-64
        mov -0x18(%rbp), %eax
#           ^ keyword.operator.gas-x86-64
#            ^^^^ constant.numeric.hex.gas-x86-64
        mov (,%rax,8), %rbx
#           ^ meta.memory-operand.gas-x86-64 punctuation.definition.memory.begin.gas-x86-64
#            ^ meta.memory-operand.gas-x86-64 punctuation.separator.memory.gas-x86-64
#                  ^ meta.memory-operand.gas-x86-64 constant.numeric.decimal.gas-x86-64
        lea msg(%rip), %rsi
#       ^^^ keyword.mnemonic.gas-x86-64
#           ^^^ variable.other.symbol.gas-x86-64
#               ^^^^ meta.memory-operand.gas-x86-64 variable.language.register.ip.gas-x86-64
        movzbl msg+1(%rip), %edx
#                 ^ keyword.operator.gas-x86-64
#                  ^ constant.numeric.decimal.gas-x86-64
        addq $5, out(%rip)
#                ^^^ variable.other.symbol.gas-x86-64
        movl %fs:0x28, %eax
#            ^^^ variable.language.register.segment.gas-x86-64
#               ^ punctuation.separator.segment.gas-x86-64
#                ^^^^ constant.numeric.hex.gas-x86-64
        mov %gs:(%rax), %rbx
#           ^^^ variable.language.register.segment.gas-x86-64
#               ^ meta.memory-operand.gas-x86-64 punctuation.definition.memory.begin.gas-x86-64
        mov (1+2)(%rax), %rbx
#           ^ punctuation.section.parens.begin.gas-x86-64 - meta.memory-operand.gas-x86-64
#                ^ meta.memory-operand.gas-x86-64 punctuation.definition.memory.begin.gas-x86-64
        call *8(%rax)
#       ^^^^ keyword.mnemonic.gas-x86-64
#            ^ keyword.operator.indirect.gas-x86-64
        call *fptr(%rip)
#            ^ keyword.operator.indirect.gas-x86-64
#             ^^^^ variable.other.symbol.gas-x86-64
        jmp *%rcx
#           ^ keyword.operator.indirect.gas-x86-64
#            ^^^^ variable.language.register.general.gas-x86-64
        imul $3*4, %eax
#              ^ keyword.operator.gas-x86-64 - keyword.operator.indirect.gas-x86-64
        call foo@PLT
#            ^^^ variable.other.symbol.gas-x86-64
#               ^^^^ support.constant.relocation.gas-x86-64
#               ^ punctuation.definition.relocation.gas-x86-64
        mov foo@GOTPCREL(%rip), %rax
#              ^^^^^^^^^ support.constant.relocation.gas-x86-64
        mov %fs:x@tpoff, %rax
#                ^^^^^^ support.constant.relocation.gas-x86-64
        vaddps %zmm1, %zmm2, %zmm3{%k1}{z}
#                                 ^ punctuation.definition.decorator.begin.gas-x86-64
#                                  ^^^ variable.language.register.vector.gas-x86-64
#                                       ^ storage.modifier.zeroing.gas-x86-64
#                                        ^ punctuation.definition.decorator.end.gas-x86-64
        vaddps (%rax){1to16}, %zmm2, %zmm3
#                     ^^^^^ storage.modifier.broadcast.gas-x86-64
        vaddps {rn-sae}, %zmm1, %zmm2, %zmm3
#               ^^^^^^ storage.modifier.rounding.gas-x86-64

        .byte 0x1f, 0X1F, 0b1010, 0B11, 017, 0, 42
#             ^^^^ constant.numeric.hex.gas-x86-64 - variable.other.label.local.gas-x86-64
#                   ^^^^ constant.numeric.hex.gas-x86-64
#                         ^^^^^^ constant.numeric.binary.gas-x86-64
#                                 ^^^^ constant.numeric.binary.gas-x86-64
#                                       ^^^ constant.numeric.octal.gas-x86-64
#                                            ^ constant.numeric.decimal.gas-x86-64 - constant.numeric.octal.gas-x86-64
#                                               ^^ constant.numeric.decimal.gas-x86-64
        .byte 9z
#             ^^ invalid.illegal.number.gas-x86-64

        .ascii "with # inside"
#              ^^^^^^^^^^^^^^^ string.quoted.double.gas-x86-64 - comment.line.number-sign.gas-x86-64
        .ascii "with ; inside" ; nop
#              ^^^^^^^^^^^^^^^ string.quoted.double.gas-x86-64 - punctuation.terminator.statement.gas-x86-64
#                              ^ punctuation.terminator.statement.gas-x86-64
#                                ^^^ keyword.mnemonic.gas-x86-64
        .ascii "with /* inside */"
#                    ^^^^^^^^^^^^ string.quoted.double.gas-x86-64 - comment.block.gas-x86-64
        .ascii "tab\there\\ \"quoted\" \101\x41 \q"
#                  ^^ constant.character.escape.gas-x86-64
#                        ^^ constant.character.escape.gas-x86-64
#                           ^^ constant.character.escape.gas-x86-64
#                                      ^^^^ constant.character.escape.gas-x86-64
#                                          ^^^^ constant.character.escape.gas-x86-64
#                                               ^^ invalid.illegal.unknown-escape.gas-x86-64
        .asciz "ok" # after
#              ^^^^ string.quoted.double.gas-x86-64
#                   ^ comment.line.number-sign.gas-x86-64
