#!/bin/sh
# Records what execve did on this machine (Linux 6.18, ASLR off) for a few
# installed programs, for mm-tests/tests/exec.rs: for each, the first page
# of the file (ELF header, program headers, PT_INTERP: all execve reads),
# its size, and the state right after execve as ../atexec.c prints it
# (stack pointer, minor faults execve took, /proc/PID/maps).
set -e
HERE=$(cd "$(dirname "$0")" && pwd)
gcc -O2 -o /tmp/atexec $HERE/../atexec.c
for p in /usr/bin/cat /usr/bin/python3.11 /usr/lib/gcc/x86_64-linux-gnu/12/cc1 \
	/usr/sbin/ldconfig /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2; do
	n=$(basename $p)
	head -c 4096 $p > $HERE/$n.head
	stat -c %s $p > $HERE/$n.size
	env -i A=1 /tmp/atexec $p x y > $HERE/$n.atexec
done
