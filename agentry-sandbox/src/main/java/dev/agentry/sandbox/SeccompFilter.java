package dev.agentry.sandbox;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A classic-BPF seccomp deny-list, assembled in Java because the project targets Java 21 (no FFM,
 * no libseccomp binding) and bwrap only needs the raw {@code struct sock_filter[]} on an fd.
 *
 * <p>Shape: load the arch, refuse any other arch wholesale (an i386 binary on an x86_64 host would
 * otherwise see different syscall numbers and slip past the list), refuse x32 syscall numbers, then
 * one {@code JEQ nr -> RET ERRNO(EPERM)} per denied syscall, else {@code RET ALLOW}. A deny-list
 * (not an allow-list) keeps ordinary tools (git, python, compilers) working; the namespaces,
 * dropped capabilities and the unprivileged uid remain the primary barrier.
 */
final class SeccompFilter {
  private static final int AUDIT_ARCH_X86_64 = 0xC000003E;
  private static final int AUDIT_ARCH_AARCH64 = 0xC00000B7;
  private static final int X32_SYSCALL_BIT = 0x40000000;
  private static final int RET_ALLOW = 0x7fff0000;
  private static final int RET_ERRNO_EPERM = 0x00050000 | 1;

  private static final short LD_W_ABS = 0x20;
  private static final short JEQ_K = 0x15;
  private static final short JGE_K = 0x35;
  private static final short RET_K = 0x06;

  /** Denied syscalls, x86_64 numbers: namespaces, mounts, kernel keyring, tracing, modules. */
  private static final int[] X86_64 = {
    101, // ptrace
    321, // bpf
    250, // keyctl
    248, // add_key
    249, // request_key
    165, // mount
    166, // umount2
    155, // pivot_root
    246, // kexec_load
    320, // kexec_file_load
    298, // perf_event_open
    175, // init_module
    313, // finit_module
    176, // delete_module
    323, // userfaultfd
    310, // process_vm_readv
    311, // process_vm_writev
    304, // open_by_handle_at
    308, // setns
    135, // personality
    272, // unshare
    428, // open_tree
    429, // move_mount
    430, // fsopen
    431, // fsconfig
    432, // fsmount
    433, // fspick
    442, // mount_setattr
    163, // acct
    167, // swapon
    168, // swapoff
    172, // iopl
    173, // ioperm
  };

  /** The same list in the asm-generic numbering used by aarch64. */
  private static final int[] AARCH64 = {
    117, 280, 219, 217, 218, 40, 39, 41, 104, 294, 241, 105, 273, 106, 282, 270, 271, 265, 268, 92,
    97, 428, 429, 430, 431, 432, 433, 442, 89, 224, 225
  };

  private SeccompFilter() {}

  /** True if a filter can be built for this JVM's architecture. */
  static boolean supported() {
    return archOf(System.getProperty("os.arch")) != 0;
  }

  /** The filter for the running architecture, as the little-endian bytes bwrap reads. */
  static byte[] forHost() {
    String arch = System.getProperty("os.arch");
    int audit = archOf(arch);
    if (audit == 0) {
      throw new IllegalStateException("no seccomp filter for architecture " + arch);
    }
    return assemble(audit, audit == AUDIT_ARCH_X86_64 ? X86_64 : AARCH64);
  }

  static int deniedCount() {
    return X86_64.length;
  }

  private static int archOf(String osArch) {
    return switch (osArch == null ? "" : osArch.toLowerCase(Locale.ROOT)) {
      case "amd64", "x86_64" -> AUDIT_ARCH_X86_64;
      case "aarch64", "arm64" -> AUDIT_ARCH_AARCH64;
      default -> 0;
    };
  }

  static byte[] assemble(int auditArch, int[] denied) {
    boolean x86 = auditArch == AUDIT_ARCH_X86_64;
    // Count instructions first: jump offsets are relative and the deny target is the last one.
    int total = 3 + (x86 ? 1 : 0) + denied.length + 2;
    int deny = total - 1;
    List<long[]> prog = new ArrayList<>();
    prog.add(insn(LD_W_ABS, 0, 0, 4)); // seccomp_data.arch
    prog.add(insn(JEQ_K, 0, deny - 1 - 1, auditArch)); // foreign arch -> deny everything
    prog.add(insn(LD_W_ABS, 0, 0, 0)); // seccomp_data.nr
    if (x86) {
      prog.add(insn(JGE_K, deny - prog.size() - 1, 0, X32_SYSCALL_BIT));
    }
    for (int nr : denied) {
      prog.add(insn(JEQ_K, deny - prog.size() - 1, 0, nr));
    }
    prog.add(insn(RET_K, 0, 0, RET_ALLOW));
    prog.add(insn(RET_K, 0, 0, RET_ERRNO_EPERM));
    if (prog.size() != total) {
      throw new IllegalStateException("seccomp program size mismatch");
    }
    ByteBuffer buf = ByteBuffer.allocate(total * 8).order(ByteOrder.LITTLE_ENDIAN);
    for (long[] i : prog) {
      if (i[1] > 255 || i[2] > 255) {
        throw new IllegalStateException("seccomp jump too long");
      }
      buf.putShort((short) i[0]).put((byte) i[1]).put((byte) i[2]).putInt((int) i[3]);
    }
    return buf.array();
  }

  private static long[] insn(short code, int jt, int jf, int k) {
    return new long[] {code, jt, jf, k};
  }
}
