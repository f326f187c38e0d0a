#!/usr/bin/env python3
"""record-probe.py SEED... [--ops K] [--pie-every N] [--more] [--touch] [-o DIR]:
record probe cases on this machine's kernel.

For each SEED: `gen-probe.py --seed SEED --ops K` (with --pie for every
N-th seed, and --more and --touch if given) makes the operation list
NAME.ops (NAME = the seed, four digits); in the fixed directory
/tmp/mmsim-probe (made afresh: the paths in a log and in maps are the
ones the replay sees; one that this script did not make is left alone
and stops it) the probe's binaries are copied, the files the list names
(`# file NAME SIZE`) are created sparse, and the probe runs as

    cd /tmp/mmsim-probe && env -i setarch -R strace -f -y \\
        -e trace=memory,openat,close,execve,read -o NAME.strace \\
        /tmp/mmsim-probe/BINARY NAME.ops > NAME.maps

Then NAME.ops, NAME.strace and NAME.maps go to DIR (default: the
`probe/cases` directory next to this script).  A probe that does not
exit with status 0 stops the recording (the generator must never make
it fault fatally)."""
import argparse
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
RUN_DIR = "/tmp/mmsim-probe"
# Left in RUN_DIR, so that a directory this script did not make is never removed.
MARK = ".made-by-record-probe"


def clear_run_dir():
    if os.path.lexists(RUN_DIR):
        if os.path.islink(RUN_DIR) or not os.path.exists(os.path.join(RUN_DIR, MARK)):
            sys.exit("%s exists and was not made by record-probe.py: move it away first" % RUN_DIR)
        shutil.rmtree(RUN_DIR)


def record(seed, ops, pie, extra, out):
    name = "%04d" % seed
    args = [sys.executable, os.path.join(HERE, "gen-probe.py"), "--seed", str(seed), "--ops", str(ops)]
    if pie:
        args.append("--pie")
    args += extra
    text = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    binary = None
    files = []
    for line in text.splitlines():
        w = line.split()
        if w[:2] == ["#", "binary"]:
            binary = w[2]
        elif w[:2] == ["#", "file"]:
            files.append((w[2], int(w[3])))
    clear_run_dir()
    os.makedirs(RUN_DIR)
    open(os.path.join(RUN_DIR, MARK), "w").close()
    for b in ("probe", "probe-pie"):
        shutil.copy2(os.path.join(HERE, "probe", b), os.path.join(RUN_DIR, b))
    for f, size in files:
        with open(os.path.join(RUN_DIR, f), "wb") as fh:
            fh.truncate(size)
    with open(os.path.join(RUN_DIR, name + ".ops"), "w") as fh:
        fh.write(text)
    with open(os.path.join(out, name + ".maps"), "wb") as maps:
        p = subprocess.run(["env", "-i", "setarch", "-R", "strace", "-f", "-y", "-e",
                            "trace=memory,openat,close,execve,read", "-o", os.path.join(out, name + ".strace"),
                            os.path.join(RUN_DIR, binary), name + ".ops"], cwd=RUN_DIR, stdout=maps)
    if p.returncode != 0:
        sys.exit("seed %d: the probe exited with status %d" % (seed, p.returncode))
    shutil.copy(os.path.join(RUN_DIR, name + ".ops"), os.path.join(out, name + ".ops"))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("seeds", type=int, nargs="+")
    ap.add_argument("--ops", type=int, default=40)
    ap.add_argument("--pie-every", type=int, default=4, help="every N-th seed (seed %% N == 0) uses probe-pie")
    ap.add_argument("--more", action="store_true", help="gen-probe.py --more")
    ap.add_argument("--touch", action="store_true", help="gen-probe.py --touch")
    ap.add_argument("-o", dest="out", default=os.path.join(HERE, "probe", "cases"))
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    for s in a.seeds:
        extra = (["--more"] if a.more else []) + (["--touch"] if a.touch else [])
        record(s, a.ops, s % a.pie_every == 0, extra, a.out)
    clear_run_dir()


if __name__ == "__main__":
    main()
