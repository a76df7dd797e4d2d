.globl _start
_start:
  mov $1, %eax
  mov $1, %edi
  lea msg(%rip), %rsi
  mov $len, %edx
  syscall
  mov $60, %eax
  mov $7, %edi
  syscall
.data
msg: .ascii "hello\n"
len = . - msg
