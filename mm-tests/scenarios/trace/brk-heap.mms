# brk creates the [heap] VMA, grows it in place, and a store faults in a
# page of it like any anonymous memory.
window 0x1f0000000 0x210000000
brk(NULL) = 0x200000000
brk(0x200002000) = 0x200002000
brk(0x200004000) = 0x200004000
store 0x200003000
dump
