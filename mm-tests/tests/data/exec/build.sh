#!/bin/sh
# Builds the test binaries of mm-tests/tests/exec.rs and records what the real kernel
# (Linux 6.18, x86-64, ASLR off) shows for them.  The binaries are run from
# /tmp/mmsim-exec, the directory the tests name them by; `measure` (below)
# vforks, execs its arguments and prints the child's minor faults.
set -e
D=/tmp/mmsim-exec
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p $D
F="-Os -nostdlib -fno-stack-protector -fcf-protection=none -Wl,--build-id=none"
gcc $F -static -fno-pie -no-pie -o $D/static $HERE/dump.c
gcc $F -static-pie -fpie -o $D/interp $HERE/dump.c
gcc $F -fpie -pie -Wl,--dynamic-linker=$D/interp -o $D/pie $HERE/dump.c
gcc $F -fpie -pie -Wl,--dynamic-linker=$D/interp -Wl,-z,max-page-size=0x200000 \
	-Wl,-z,noseparate-code -Wl,-z,norelro -o $D/pie2m $HERE/dump.c
gcc $F -static -fno-pie -no-pie -o $D/exit $HERE/exit.c
gcc -O2 -o $D/measure $HERE/measure.c
printf '#!/tmp/mmsim-exec/static -a\n' > $D/script
chmod +x $D/script
for f in static interp pie pie2m exit script; do cp $D/$f $HERE/$f; done
BIG=$(head -c 3000 /dev/zero | tr '\0' b)
run() { env -i A=1 setarch -R "$@"; }
for f in static interp pie pie2m script; do
	run $D/$f x y > $HERE/$f.maps
	run $D/measure $D/$f x y | grep minflt > $HERE/$f.minflt
done
run $D/static $BIG $BIG $BIG > $HERE/static-bigargs.maps
run $D/measure $D/static $BIG $BIG $BIG | grep minflt > $HERE/static-bigargs.minflt
run $D/measure $D/exit x y | grep minflt > $HERE/exit.minflt
