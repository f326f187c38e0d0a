#!/usr/bin/env python3
"""record_repeat.py [--mmsim PATH] [--runs N] [--force] [--change-host-settings] [-j N] FILE.mms|DIR...

Records the expected output of scenarios on this machine's kernel: runs
`mmsim real` on each NAME.mms N times (5 by default), one at a time,
compares the runs line by line (the dev and inode columns of maps lines
aside: tmpfs inode numbers change from run to run) and, when every run
printed the same, writes the first run's output to NAME.expected (an
existing one only with --force, as `mmsim real -o` does).  A case whose
runs differ, or that the runner refused or failed, is reported and gets
no expected output.  --change-host-settings is passed to `mmsim real`
(the THP settings of the scenarios' machine lines are written for each
run; the runner's lock keeps such runs one at a time); -j N records N
cases at once.  Exit status 1 if any case was not recorded."""
import argparse, concurrent.futures, os, re, subprocess, sys

MAPS = re.compile(r'^([$0-9a-fx+-]+-[$0-9a-fx+-]+ [r-][w-][x-][sp] [0-9a-f]+) (\S+) (\d+)(.*)$')


def norm(text):
    out = []
    for line in text.splitlines():
        m = MAPS.match(line)
        out.append(m.group(1) + ' DEV INODE' + m.group(4) if m else line)
    return out


def cases(paths):
    for p in paths:
        if os.path.isdir(p):
            for root, _, files in sorted(os.walk(p)):
                for f in sorted(files):
                    if f.endswith('.mms'):
                        yield os.path.join(root, f)
        else:
            yield p


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--mmsim', default='target/release/mmsim')
    ap.add_argument('--runs', type=int, default=5)
    ap.add_argument('--force', action='store_true')
    ap.add_argument('--change-host-settings', action='store_true')
    ap.add_argument('-j', '--jobs', type=int, default=1)
    ap.add_argument('paths', nargs='+')
    a = ap.parse_args()
    real = [a.mmsim, 'real'] + (['--change-host-settings'] if a.change_host_settings else [])

    def record(mms):
        exp = mms[:-4] + '.expected'
        if os.path.exists(exp) and not a.force:
            return None, f'skip {mms}: {exp} exists (use --force)'
        outs = []
        for _ in range(a.runs):
            p = subprocess.run(real + [mms], capture_output=True, text=True, errors='replace')
            if p.returncode != 0:
                return False, f'FAIL {mms}: mmsim real exited {p.returncode}: {p.stderr.strip()}'
            outs.append(p.stdout)
        first = norm(outs[0])
        differ = [i for i, o in enumerate(outs[1:], 2) if norm(o) != first]
        if differ:
            return False, f'NOT REPEATABLE {mms}: run {differ[0]} differs from run 1'
        with open(exp, 'w') as f:
            f.write(outs[0])
        return True, None

    bad = done = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.jobs)) as ex:
        for ok, msg in ex.map(record, list(cases(a.paths))):
            if msg:
                print(msg, flush=True)
            if ok is True:
                done += 1
            elif ok is False:
                bad += 1
    print(f'{done} recorded, {bad} not recorded ({a.runs} runs each)')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
