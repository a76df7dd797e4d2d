// What CPUID reports: an SSE2-baseline x86_64 CPU, exactly the features the engine implements, so that
// glibc and musl pick their SSE2 code paths. Cache geometry is reported through leaf 4 so that glibc's
// memcpy/memset thresholds come out as on a real machine.

const BRAND = 'Uprobe Lab emulated x86_64 CPU';

function str4(s: string, at: number): number {
  let v = 0;
  for (let k = 0; k < 4; k++) v |= (s.charCodeAt(at + k) || 0) << (8 * k);
  return v;
}

// leaf 1 EDX: FPU TSC CX8 CMOV MMX FXSR SSE SSE2 (and CLFSH, which clflush needs).
export const LEAF1_EDX = (1 << 0) | (1 << 4) | (1 << 8) | (1 << 15) | (1 << 19) | (1 << 23) | (1 << 24) | (1 << 25) | (1 << 26);
export const LEAF1_ECX = 0;

/** [eax, ebx, ecx, edx] for a leaf/subleaf. */
export function cpuidLeaf(leaf: number, sub: number): [number, number, number, number] {
  switch (leaf) {
    case 0: return [0xd, str4('GenuineIntel', 0), str4('GenuineIntel', 8), str4('GenuineIntel', 4)];
    case 1: return [0x000906ea, 0x00010800, LEAF1_ECX, LEAF1_EDX];
    case 2: return [0x0000ff01, 0, 0, 0]; // "use leaf 4"
    case 4: {
      // type | level<<5 | self-initialising; ebx = ways-1<<22 | partitions-1<<12 | line-1; ecx = sets-1
      const caches: [number, number, number, number][] = [
        [1, 1, 8, 64], // L1d 32 KiB
        [2, 1, 8, 64], // L1i 32 KiB
        [3, 2, 16, 1024], // L2 1 MiB
        [3, 3, 16, 32768], // L3 32 MiB
      ];
      const c = caches[sub];
      if (!c) return [0, 0, 0, 0];
      return [c[0] | (c[1] << 5) | (1 << 8), ((c[2] - 1) << 22) | 63, c[3] - 1, 0];
    }
    case 0x80000000: return [0x80000008, 0, 0, 0];
    case 0x80000001: return [0, 0, 1 /* LAHF */, (1 << 11) | (1 << 20) | (1 << 29)];
    case 0x80000002: case 0x80000003: case 0x80000004: {
      const b = (leaf - 0x80000002) * 16;
      return [str4(BRAND, b), str4(BRAND, b + 4), str4(BRAND, b + 8), str4(BRAND, b + 12)];
    }
    case 0x80000008: return [0x3030, 0, 0, 0];
  }
  return [0, 0, 0, 0];
}
