#!/usr/bin/env python3
"""real_vs_reference.py --reference CMD [--real CMD] [--repeat] DIR...

Runs every NAME.mms that has a NAME.expected (the committed cases) in the
given directories with two real-kernel runners,
the reference one (CMD NAME.mms) and `mmsim real`, one case at a time, and
compares their outputs line by line, dev and inode columns of maps lines
aside (tmpfs inode numbers change from run to run).  Prints each differing
case with its first differing line, then the counts and each runner's
total time.  With --repeat the reference runs twice and a case whose two
reference runs differ is reported as not repeatable, and `mmsim real`
agrees with it if it prints what either run printed.  Exit status 1 if any case differs."""
import argparse, os, re, shlex, subprocess, sys, time

MAPS = re.compile(r'^([0-9a-f]+-[0-9a-f]+ [r-][w-][x-][sp] [0-9a-f]+) (\S+) (\d+)(.*)$')


def norm(text):
    out = []
    for line in text.splitlines():
        m = MAPS.match(line)
        out.append(m.group(1) + ' DEV INODE' + m.group(4) if m else line)
    return out


def run(cmd, path, timeout):
    t = time.monotonic()
    try:
        p = subprocess.run(shlex.split(cmd) + [path], capture_output=True, text=True, errors='replace',
                           timeout=timeout)
        res = (p.returncode, norm(p.stdout))
    except subprocess.TimeoutExpired:
        res = ('timeout', [])
    return res, time.monotonic() - t


def first_diff(a, b):
    for i in range(max(len(a[1]), len(b[1]))):
        x = a[1][i] if i < len(a[1]) else '<end of output>'
        y = b[1][i] if i < len(b[1]) else '<end of output>'
        if x != y:
            return 'line %d: reference %r, mmsim real %r' % (i + 1, x, y)
    return 'exit status: reference %s, mmsim real %s' % (a[0], b[0])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--reference', required=True, help='the reference runner; the scenario path is appended')
    ap.add_argument('--real', default='target/release/mmsim real', help='default: %(default)s')
    ap.add_argument('--repeat', action='store_true', help='run the reference twice to find unrepeatable cases')
    ap.add_argument('--timeout', type=float, default=120)
    ap.add_argument('dirs', nargs='+')
    a = ap.parse_args()
    cases = []
    for d in a.dirs:
        cases += sorted(os.path.join(d, n) for n in os.listdir(d)
                        if n.endswith('.mms') and os.path.exists(os.path.join(d, n[:-4] + '.expected')))
    same = differ = unrepeatable = 0
    t_ref = t_real = 0.0
    for c in cases:
        ref, dt = run(a.reference, c, a.timeout)
        t_ref += dt
        refs = [ref]
        if a.repeat:
            ref2, _ = run(a.reference, c, a.timeout)
            if ref2 != ref:
                unrepeatable += 1
                refs.append(ref2)
                print('UNREPEATABLE %s: %s' % (c, first_diff(ref, ref2).replace('mmsim real', 'second run')))
        got, dt = run(a.real, c, a.timeout)
        t_real += dt
        if got in refs:
            same += 1
        else:
            differ += 1
            print('DIFF %s: %s' % (c, first_diff(ref, got)))
        sys.stdout.flush()
    print('%d cases: %d identical, %d differing%s' % (len(cases), same, differ,
          ', %d not repeatable on the reference' % unrepeatable if a.repeat else ''))
    print('time: reference %.1f s, mmsim real %.1f s' % (t_ref, t_real))
    sys.exit(1 if differ else 0)


if __name__ == '__main__':
    main()
