# SYNTAX TEST "source.gas-x86-64" "GNU as x86-64 in .S files: the C preprocessor"

#include <asm/unistd.h>
# <- meta.preprocessor.include.gas-x86-64 punctuation.definition.directive.gas-x86-64
#^^^^^^^ meta.preprocessor.include.gas-x86-64 keyword.control.directive.include.gas-x86-64
#        ^^^^^^^^^^^^^^ string.quoted.other.lt-gt.include.gas-x86-64
#        ^ punctuation.definition.string.begin.gas-x86-64
#include "defs.h"
#        ^^^^^^^^ meta.preprocessor.include.gas-x86-64 string.quoted.double.include.gas-x86-64
# include <sys/syscall.h>
# <- punctuation.definition.directive.gas-x86-64 - comment.line.number-sign.gas-x86-64
# ^^^^^^^ keyword.control.directive.include.gas-x86-64
# include the headers first (a comment: no <file> or "file" follows)
# <- comment.line.number-sign.gas-x86-64 punctuation.definition.comment.gas-x86-64
# ^^^^^^^ comment.line.number-sign.gas-x86-64 - keyword.control.directive.include.gas-x86-64

#define SYS_write 1
# <- meta.preprocessor.macro.gas-x86-64 punctuation.definition.directive.gas-x86-64
#^^^^^^ keyword.control.directive.define.gas-x86-64
#       ^^^^^^^^^ entity.name.function.preprocessor.gas-x86-64
#                 ^ meta.preprocessor.macro.gas-x86-64 constant.numeric.decimal.gas-x86-64
#define ENTRY(name, ...) \
#       ^^^^^ entity.name.function.preprocessor.gas-x86-64
#            ^ punctuation.definition.parameters.begin.gas-x86-64
#             ^^^^ variable.parameter.preprocessor.gas-x86-64
#                   ^^^ variable.parameter.preprocessor.gas-x86-64
#                        ^ meta.preprocessor.macro.gas-x86-64 constant.character.escape.line-continuation.gas-x86-64
        .globl name; name:
#       ^^^^^^^^^^^^^^^^^^ meta.preprocessor.macro.gas-x86-64
#define STR(x) #x
#              ^^ meta.preprocessor.macro.gas-x86-64 - comment.line.number-sign.gas-x86-64
#       ^^^ entity.name.function.preprocessor.gas-x86-64
#define CAT(a, b) a ## b /* pasted */
#                   ^^ keyword.operator.preprocessor.gas-x86-64
#                        ^^^^^^^^^^^^ comment.block.gas-x86-64
# define FRAME_SIZE 16
# ^^^^^^ keyword.control.directive.define.gas-x86-64
#        ^^^^^^^^^^ entity.name.function.preprocessor.gas-x86-64
# define strlen_impl __strlen_sse2
# ^^^^^^ keyword.control.directive.define.gas-x86-64
# define SYSCALL(n) mov $n, %eax
# ^^^^^^ keyword.control.directive.define.gas-x86-64
#        ^^^^^^^ entity.name.function.preprocessor.gas-x86-64
# define the entry point below (a comment)
# <- comment.line.number-sign.gas-x86-64
# ^^^^^^ comment.line.number-sign.gas-x86-64 - keyword.control.directive.define.gas-x86-64
        movl $SYS_write, %eax
#       ^^^^ meta.instruction.gas-x86-64 keyword.mnemonic.gas-x86-64 - meta.preprocessor.macro.gas-x86-64
#             ^^^^^^^^^ variable.other.symbol.gas-x86-64

#ifdef __x86_64__
#^^^^^ meta.preprocessor.gas-x86-64 keyword.control.directive.conditional.gas-x86-64
#      ^^^^^^^^^^ entity.name.function.preprocessor.gas-x86-64
# ifndef SHARED
# ^^^^^^ keyword.control.directive.conditional.gas-x86-64
# ifdef what follows is a comment
# ^^^^^ comment.line.number-sign.gas-x86-64
#if defined(FOO) && BAR > 2
#^^ keyword.control.directive.conditional.gas-x86-64
#   ^^^^^^^ keyword.control.directive.conditional.defined.gas-x86-64
#                ^^ keyword.operator.gas-x86-64
#                       ^ keyword.operator.gas-x86-64
#                         ^ constant.numeric.decimal.gas-x86-64
# if IS_ENABLED(CONFIG_X)
# ^^ keyword.control.directive.conditional.gas-x86-64
# if the value is zero, skip (a comment)
# ^^ comment.line.number-sign.gas-x86-64 - keyword.control.directive.conditional.gas-x86-64
#elif 1
#^^^^ keyword.control.directive.conditional.gas-x86-64
#else
#^^^^ keyword.control.directive.conditional.gas-x86-64
# else
# ^^^^ keyword.control.directive.conditional.gas-x86-64
#endif
#^^^^^ keyword.control.directive.conditional.gas-x86-64
# endif /* SHARED */
# ^^^^^ keyword.control.directive.conditional.gas-x86-64
#       ^^^^^^^^^^^^ comment.block.gas-x86-64
#undef SYS_write
#^^^^^ keyword.control.directive.conditional.gas-x86-64
#      ^^^^^^^^^ entity.name.function.preprocessor.gas-x86-64
#error "not for this architecture"
#^^^^^ keyword.control.directive.diagnostic.gas-x86-64
#pragma once
#^^^^^^ meta.preprocessor.gas-x86-64 keyword.control.directive.other.gas-x86-64
# 1 "entry.S"
# <- comment.line.number-sign.gas-x86-64
        ret // done
#       ^^^ keyword.mnemonic.gas-x86-64
#           ^^^^^^^ comment.line.double-slash.gas-x86-64
#define GETPID mov $39, %eax; syscall
#                       ^^^^ meta.preprocessor.macro.gas-x86-64 variable.language.register.general.gas-x86-64
#                           ^ meta.preprocessor.macro.gas-x86-64 - punctuation.terminator.statement.gas-x86-64
