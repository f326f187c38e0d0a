#!/bin/sh
# Records a real program for the replay tests (mm-tests/tests/programs.rs):
#
#   mm-tests/programs/capture.sh NAME COMMAND [ARGS...]
#
# writes mm-tests/programs/NAME/: `cmd` (the command), `trace.strace` (its
# log, ASLR off, a small fixed environment, run from /tmp/mmsim-capture),
# `root.snap` (what the replay reads from the host: paths, sizes, ELF
# headers; `mmsim snapshot`) and `stdout` (what the program printed).
# TRACE=memory,openat,close,execve,read adds `read` lines, so that
# `--maps-at-read` can print the maps a program read from /proc/self/maps;
# a `stdout` that starts with a maps line is then compared with them.
set -eu
[ $# -ge 2 ] || { echo "usage: $0 NAME COMMAND [ARGS...]" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
name=$1; shift
dir=$here/$name
[ ! -e "$dir" ] || { echo "$dir exists" >&2; exit 1; }
mkdir -p "$dir" /tmp/mmsim-capture
printf '%s\n' "$*" > "$dir/cmd"
(cd /tmp/mmsim-capture && env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/root LANG=C.UTF-8 \
    setarch -R strace -f -y -e trace="${TRACE:-memory,openat,close,execve}" \
    -o "$dir/trace.strace" "$@" > "$dir/stdout")
(cd "$here/../.." && cargo run -q --release -p mm-sim -- snapshot "$dir/trace.strace" -o "$dir/root.snap")
echo "$name: $(wc -l < "$dir/trace.strace") lines, snapshot $(wc -c < "$dir/root.snap") bytes"
