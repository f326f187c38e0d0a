/* Prints the stack pointer it starts with, then /proc/self/maps, and exits.
 * No C library: the only memory it has is what execve gave it.
 * Built and recorded by build.sh. */
typedef unsigned long u64;

static long sys3(long n, long a, long b, long c)
{
	long r;
	__asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
	return r;
}

/* Zero-initialised, so the last segment has a .bss part (padzero + vm_brk). */
static char buf[8192];

void dump_main(u64 sp)
{
	char line[32];
	int i = 0, n;
	line[i++] = 's';
	line[i++] = 'p';
	line[i++] = '=';
	for (n = 60; n >= 0; n -= 4)
		line[i++] = "0123456789abcdef"[(sp >> n) & 15];
	line[i++] = '\n';
	sys3(1, 1, (long)line, i);
	long fd = sys3(2, (long)"/proc/self/maps", 0, 0);
	while ((n = sys3(0, fd, (long)buf, sizeof(buf))) > 0)
		sys3(1, 1, (long)buf, n);
	sys3(60, 0, 0, 0);
}

__asm__(".globl _start\n_start:\n mov %rsp, %rdi\n and $-16, %rsp\n call dump_main\n hlt\n");
