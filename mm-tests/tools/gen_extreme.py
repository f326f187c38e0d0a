#!/usr/bin/env python3
"""Random scenarios with extreme arguments, for mm-tests/scenarios/extreme.

Usage: gen_extreme.py SEED > ext-SEED.mms

Addresses and lengths come from a fixed set of edge values: 0, one byte,
one page, 2 MiB, the top of the user address space, kernel-half and
non-canonical addresses, lengths that round up to zero or wrap around.
The calls mix mmap (fixed, no-replace, populate, grows-down), munmap,
mprotect, mremap (in place, fixed, dontunmap), madvise, brk, loads and
stores, so that every argument check meets values it must reject.

The real-kernel runner has its own libraries and stack in
[0x400000000000, 0x800000000000), so calls that could unmap, move or
change memory there are not generated (a range that wraps is rejected
before it touches anything and stays in), and mappings the kernel places
(no MAP_FIXED) are kept small and out of the window.  Record the
expected output of each with the real-kernel runner before committing it.
"""
import random, sys
seed=int(sys.argv[1]); r=random.Random(seed)
P=4096
addrs=[0,P,0x10000,0x100000000,0x100001000,0x100003000,0x1fffff000,0x200000000,0x200001000,0x800000000000,0x7ffe00000000,
       0xfffffffffffff000,0xffffffffffffe000,0x8000000000000000,0xffff800000000000,0x100000000000000,0x1000100000000]
lens=[0,1,P,2*P,P-1,3*P,0x200000,0x800000000000,0xfffffffffffff000,0x8000000000000000,0xffffffffffffe001]
protS=["PROT_READ|PROT_WRITE","PROT_READ","PROT_NONE","PROT_READ|PROT_WRITE|PROT_EXEC"]
mf=["MAP_PRIVATE|MAP_ANONYMOUS","MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED","MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE",
    "MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED|MAP_POPULATE","MAP_PRIVATE|MAP_ANONYMOUS|MAP_GROWSDOWN|MAP_FIXED","MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE|MAP_FIXED"]
adv=["MADV_DONTNEED","MADV_FREE","MADV_WILLNEED","MADV_PAGEOUT","MADV_RANDOM","MADV_NORMAL","MADV_SEQUENTIAL","MADV_DONTFORK","MADV_WIPEONFORK"]
LO,HI=0x400000000000,0x800000000000
def unsafe(a,l):
    if l==0: return False
    e=a+((l+P-1)//P)*P
    if e>(1<<64): return False   # wraps: rejected early
    return a<HI and e>LO
def A(): return r.choice(addrs)
def L(): return r.choice(lens)
out=["window 0x100000000 0x100100000","mmap(0x100000000, 65536, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0)"]
n=0
while n<40:
    x=r.randrange(9)
    a,l=A(),L()
    if x==0:
        f=r.choice(mf)
        if "FIXED" not in f: a=0  # kernel-chosen: keep it out of the window and harmless
        if "FIXED" in f and unsafe(a,l): continue
        if "FIXED" not in f and l>0x200000: continue
        out.append(f"mmap({hex(a)}, {l}, {r.choice(protS)}, {f}, -1, 0)")
    elif x==1:
        if unsafe(a,l): continue
        out.append(f"munmap({hex(a)}, {l})")
    elif x==2:
        if unsafe(a,l): continue
        out.append(f"mprotect({hex(a)}, {l}, {r.choice(protS)})")
    elif x==3:
        l2=L()
        if unsafe(a,l) or unsafe(a,l2): continue
        out.append(f"mremap({hex(a)}, {l}, {l2}, 0)")
    elif x==4:
        b=A(); l2=L()
        if unsafe(a,l) or unsafe(b,l2) or unsafe(b,l): continue
        out.append(f"mremap({hex(a)}, {l}, {l2}, MREMAP_MAYMOVE|MREMAP_FIXED{r.choice(['','|MREMAP_DONTUNMAP'])}, {hex(b)})")
    elif x==5:
        if unsafe(a,l): continue
        out.append(f"madvise({hex(a)}, {l}, {r.choice(adv)})")
    elif x==6:
        out.append(f"brk({hex(r.choice([0x200000000,0x200003000,0x1fffff000,0x100000000,0x800000000000,0xfffffffffffff000,0x200001001]))})")
    elif x==7:
        out.append(f"store {hex(r.choice([0x100000000,0x100003000,0x200000000,0x1fffff000,0x1000100000000,0xffff800000000000,0x800000000000]))} {r.choice([1,P,2*P])} 0x5")
    elif x==8:
        out.append(f"load {hex(r.choice([0x100000000,0x100003000,0x200000000,0x1fffff000,0x1000100000000,0xffff800000000000,0x800000000000,0x10000]))} {r.choice([1,P,2*P])}")
    n+=1
out.append("dump")
print("\n".join(out))
