// errno values (asm-generic/errno-base.h and errno.h) the emulated kernel returns (negated).
export const EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, EIO = 5, ENXIO = 6, E2BIG = 7, ENOEXEC = 8, EBADF = 9,
  ECHILD = 10, EAGAIN = 11, ENOMEM = 12, EACCES = 13, EFAULT = 14, EBUSY = 16, EEXIST = 17, EXDEV = 18,
  ENODEV = 19, ENOTDIR = 20, EISDIR = 21, EINVAL = 22, ENFILE = 23, EMFILE = 24, ENOTTY = 25, EFBIG = 27,
  ENOSPC = 28, ESPIPE = 29, EROFS = 30, EMLINK = 31, EPIPE = 32, EDOM = 33, ERANGE = 34, ENAMETOOLONG = 36,
  ENOSYS = 38, ENOTEMPTY = 39, ELOOP = 40, ENODATA = 61, EOVERFLOW = 75, ENOTSOCK = 88, EAFNOSUPPORT = 97,
  EOPNOTSUPP = 95, ETIMEDOUT = 110;

/** Map a Node.js error code to a negated errno. */
export function hostErrno(e: unknown): number {
  const code = (e as NodeJS.ErrnoException).code ?? '';
  const m: Record<string, number> = {
    ENOENT, EACCES, EPERM, EISDIR, ENOTDIR, EEXIST, ENOTEMPTY, EINVAL, EBADF, ELOOP, ENAMETOOLONG, EXDEV, ENOSPC,
    EROFS, EMFILE, ENFILE, EFBIG, EAGAIN, ESPIPE, EIO, ENXIO, ENODEV, EBUSY, EOVERFLOW,
  };
  return -(m[code] ?? EIO);
}

/** A 64-bit syscall argument as a C int. */
export function int(x: number): number { return ((x % 4294967296) + 4294967296) % 4294967296 | 0; }
