#!/bin/sh
# Builds the probe from probe.c, twice, with no C library (the tests use
# the committed binaries, never a compiler):
#   probe      static, ET_EXEC at 0x400000
#   probe-pie  static PIE (ET_DYN with no PT_INTERP), as a loader run directly
# The code has no pointer in its data, so probe-pie needs no relocation.
set -e
cd "$(dirname "$0")"
CFLAGS="-O2 -ffreestanding -fno-builtin -fno-tree-loop-distribute-patterns \
 -fno-stack-protector -fcf-protection=none -fno-asynchronous-unwind-tables -fno-ident -Wall -Wextra"
LDFLAGS="-nostdlib -Wl,--build-id=none -Wl,-z,noexecstack -s"
gcc -static -fno-pie -no-pie $CFLAGS $LDFLAGS -o probe probe.c
gcc -static-pie -fpie $CFLAGS $LDFLAGS -o probe-pie probe.c
