/*
 * probe: performs a list of memory operations with raw system calls, so
 * that an strace log of it holds exactly those operations after its
 * execve (no C library, no dynamic loader, nothing else).
 *
 * Build (the committed binary was built so, with gcc 12 on x86-64):
 *   see build.sh next to this file.
 *
 * Usage: probe OPS-FILE   (or: probe < OPS-FILE)
 *
 * OPS-FILE has one operation per line; `#` starts a comment. Numbers are
 * decimal or 0x-hex, optionally negative. An operand may also be `rK`,
 * `rK+N` or `rK-N`: the result of the operation on line K (1-based; a
 * line without a result leaves 0). Operations:
 *
 *   mmap ADDR LEN PROT FLAGS FD OFF   result: the address (or -errno)
 *   munmap ADDR LEN
 *   mprotect ADDR LEN PROT
 *   mremap OLD OLDLEN NEWLEN FLAGS NEW  result: the address (or -errno)
 *   brk ADDR                          result: the new break
 *   madvise ADDR LEN ADVICE
 *   open PATH FLAGS                   result: the descriptor (or -errno)
 *   close FD
 *   load ADDR                         read one byte
 *   store ADDR                        write one byte
 *   stack PAGES                       touch PAGES pages below the stack pointer
 *   maps                              copy /proc/self/maps to stdout
 *
 * The file may have up to 512 lines and 16 KiB.
 * A line that cannot be parsed ends the program with status 2 and
 * `probe: line N: bad line` on stderr; no operation of it has run then
 * (the whole file is parsed before the first operation).
 */

typedef unsigned long u64;
typedef long s64;

#define SYS_read 0
#define SYS_write 1
#define SYS_close 3
#define SYS_mmap 9
#define SYS_mprotect 10
#define SYS_munmap 11
#define SYS_brk 12
#define SYS_mremap 25
#define SYS_madvise 28
#define SYS_exit_group 231
#define SYS_openat 257
#define AT_FDCWD (-100)

#define MAX_LINES 512
#define MAX_ARGS 6
#define TEXT_SIZE (16 << 10)
#define BUF_SIZE (4 << 10)

static inline s64 sys6(s64 n, s64 a, s64 b, s64 c, s64 d, s64 e, s64 f)
{
	register s64 r10 __asm__("r10") = d;
	register s64 r8 __asm__("r8") = e;
	register s64 r9 __asm__("r9") = f;
	s64 ret;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

#define sys1(n, a) sys6(n, (s64)(a), 0, 0, 0, 0, 0)
#define sys2(n, a, b) sys6(n, (s64)(a), (s64)(b), 0, 0, 0, 0)
#define sys3(n, a, b, c) sys6(n, (s64)(a), (s64)(b), (s64)(c), 0, 0, 0)
#define sys4(n, a, b, c, d) sys6(n, (s64)(a), (s64)(b), (s64)(c), (s64)(d), 0, 0)
#define sys5(n, a, b, c, d, e) sys6(n, (s64)(a), (s64)(b), (s64)(c), (s64)(d), (s64)(e), 0)

enum op { OP_MMAP = 1, OP_MUNMAP, OP_MPROTECT, OP_MREMAP, OP_BRK, OP_MADVISE, OP_OPEN,
	  OP_CLOSE, OP_LOAD, OP_STORE, OP_STACK, OP_MAPS };

/* In .data, so that the RW segment has a file part and a bss tail. */
static __attribute__((section(".data"))) struct {
	char name[12]; /* no pointers: the static-pie build needs no relocation */
	int nargs;
} ops[] = {
	[OP_MMAP] = { "mmap", 6 },	 [OP_MUNMAP] = { "munmap", 2 }, [OP_MPROTECT] = { "mprotect", 3 },
	[OP_MREMAP] = { "mremap", 5 },	 [OP_BRK] = { "brk", 1 },	[OP_MADVISE] = { "madvise", 3 },
	[OP_OPEN] = { "open", 2 },	 [OP_CLOSE] = { "close", 1 },	[OP_LOAD] = { "load", 1 },
	[OP_STORE] = { "store", 1 },	 [OP_STACK] = { "stack", 1 },	[OP_MAPS] = { "maps", 0 },
};

/* An operand: value + (reg > 0 ? result[reg] : 0). */
struct arg {
	s64 value;
	int reg;
};

struct line {
	int op;
	char *path; /* open */
	struct arg a[MAX_ARGS];
};

/*
 * Everything the probe writes lives on its stack, inside the stack
 * mapping the exec made (about 80 KiB of its 132 KiB): strace does not
 * show memory accesses, and a write into an anonymous mapping changes
 * how the kernel treats it later (it gets an anon_vma, and then keeps
 * its page offset when mremap moves it, so it no longer merges with
 * mappings placed next to it). The stack has one from the exec already.
 */
struct prog {
	char text[TEXT_SIZE];
	struct line lines[MAX_LINES + 1]; /* lines[0].op: how many */
	s64 result[MAX_LINES + 1];
	char buf[BUF_SIZE];
};

/*
 * A bss the probe never touches: the read-write segment ends in an
 * anonymous mapping (after the bss tail of its last file page), as a
 * program's does, and its state stays the one strace can follow.
 */
static char __attribute__((used)) bss[256 << 10];

static void put(int fd, const char *s, u64 n)
{
	while (n) {
		s64 w = sys3(SYS_write, fd, s, n);
		if (w <= 0)
			return;
		s += w;
		n -= (u64)w;
	}
}

static u64 len(const char *s)
{
	u64 n = 0;
	while (s[n])
		n++;
	return n;
}

static void die(const char *what, int line)
{
	char num[24];
	int i = sizeof(num);
	u64 v = (u64)line;
	do
		num[--i] = (char)('0' + v % 10);
	while ((v /= 10) && i > 0);
	put(2, "probe: line ", 12);
	put(2, num + i, sizeof(num) - (u64)i);
	put(2, ": ", 2);
	put(2, what, len(what));
	put(2, "\n", 1);
	sys1(SYS_exit_group, 2);
	__builtin_unreachable();
}

static int same(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static int space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* A number; 0 if `s` is not one. */
static int number(const char *s, s64 *out)
{
	int neg = 0;
	u64 v = 0, base = 10;
	if (*s == '-')
		neg = 1, s++;
	if (s[0] == '0' && s[1] == 'x')
		base = 16, s += 2;
	if (!*s)
		return 0;
	for (; *s; s++) {
		u64 d;
		if (*s >= '0' && *s <= '9')
			d = (u64)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (u64)(*s - 'a' + 10);
		else
			return 0;
		v = v * base + d;
	}
	*out = neg ? -(s64)v : (s64)v;
	return 1;
}

static int operand(char *s, struct arg *a, int lineno)
{
	a->reg = 0;
	a->value = 0;
	if (*s != 'r')
		return number(s, &a->value);
	s++;
	int reg = 0;
	if (*s < '0' || *s > '9')
		return 0;
	while (*s >= '0' && *s <= '9')
		reg = reg * 10 + (*s++ - '0');
	if (reg < 1 || reg >= lineno)
		return 0;
	a->reg = reg;
	if (!*s)
		return 1;
	if (*s == '+')
		s++;
	else if (*s != '-')
		return 0;
	return number(s, &a->value);
}

static void parse(struct prog *g, char *p, char *end)
{
	int lineno = 0;
	while (p < end) {
		char *eol = p;
		while (eol < end && *eol != '\n')
			eol++;
		*eol = 0;
		char *next = eol + 1;
		lineno++;
		if (lineno > MAX_LINES)
			die("too many lines", lineno);
		struct line *l = &g->lines[lineno];
		l->op = 0;
		for (char *c = p; c < eol; c++)
			if (*c == '#')
				*c = 0, eol = c;
		char *tok[MAX_ARGS + 2];
		int n = 0;
		char *c = p;
		for (;;) {
			while (c < eol && space(*c))
				*c++ = 0;
			if (c >= eol || !*c)
				break;
			if (n == MAX_ARGS + 2)
				die("too many operands", lineno);
			tok[n++] = c;
			while (c < eol && *c && !space(*c))
				c++;
		}
		p = next;
		if (!n)
			continue;
		for (int o = OP_MMAP; o <= OP_MAPS; o++)
			if (same(tok[0], ops[o].name))
				l->op = o;
		if (!l->op)
			die("unknown operation", lineno);
		if (n - 1 != ops[l->op].nargs)
			die("wrong number of operands", lineno);
		int first = 1;
		if (l->op == OP_OPEN)
			l->path = tok[1], first = 2;
		for (int i = first; i < n; i++)
			if (!operand(tok[i], &l->a[i - first], lineno))
				die("bad operand", lineno);
	}
	g->lines[0].op = lineno;
}

static s64 val(struct prog *g, struct line *l, int i)
{
	return l->a[i].value + (l->a[i].reg ? g->result[l->a[i].reg] : 0);
}

/* Touch `pages` pages below the stack pointer, nearest first. */
static void stack(s64 pages)
{
	char *sp;
	__asm__ volatile("mov %%rsp, %0" : "=r"(sp));
	for (s64 i = 1; i <= pages; i++)
		*(volatile char *)(sp - i * 4096) = 1;
}

static void maps(struct prog *g)
{
	s64 fd = sys4(SYS_openat, AT_FDCWD, "/proc/self/maps", 0, 0);
	if (fd < 0)
		return;
	s64 n;
	while ((n = sys3(SYS_read, fd, g->buf, sizeof(g->buf))) > 0)
		put(1, g->buf, (u64)n);
	sys1(SYS_close, fd);
}

static void run(struct prog *g)
{
	for (int i = 1; i <= g->lines[0].op; i++) {
		struct line *l = &g->lines[i];
		s64 r = 0;
		switch (l->op) {
		case OP_MMAP:
			r = sys6(SYS_mmap, val(g, l, 0), val(g, l, 1), val(g, l, 2), val(g, l, 3), val(g, l, 4), val(g, l, 5));
			break;
		case OP_MUNMAP:
			r = sys2(SYS_munmap, val(g, l, 0), val(g, l, 1));
			break;
		case OP_MPROTECT:
			r = sys3(SYS_mprotect, val(g, l, 0), val(g, l, 1), val(g, l, 2));
			break;
		case OP_MREMAP:
			r = sys5(SYS_mremap, val(g, l, 0), val(g, l, 1), val(g, l, 2), val(g, l, 3), val(g, l, 4));
			break;
		case OP_BRK:
			r = sys1(SYS_brk, val(g, l, 0));
			break;
		case OP_MADVISE:
			r = sys3(SYS_madvise, val(g, l, 0), val(g, l, 1), val(g, l, 2));
			break;
		case OP_OPEN:
			r = sys4(SYS_openat, AT_FDCWD, l->path, val(g, l, 0), 0);
			break;
		case OP_CLOSE:
			r = sys1(SYS_close, val(g, l, 0));
			break;
		case OP_LOAD:
			r = *(volatile char *)val(g, l, 0);
			break;
		case OP_STORE:
			*(volatile char *)val(g, l, 0) = 1;
			break;
		case OP_STACK:
			stack(val(g, l, 0));
			break;
		case OP_MAPS:
			maps(g);
			break;
		}
		g->result[i] = r;
	}
}

__attribute__((used)) static void start_c(u64 *sp)
{
	s64 argc = (s64)sp[0];
	char **argv = (char **)(sp + 1);
	s64 fd = 0;
	if (argc > 1) {
		fd = sys4(SYS_openat, AT_FDCWD, argv[1], 0, 0);
		if (fd < 0)
			die("cannot open the operations file", 0);
	}
	struct prog prog, *g = &prog;
	u64 n = 0;
	s64 r;
	while ((r = sys3(SYS_read, fd, g->text + n, sizeof(g->text) - 1 - n)) > 0)
		n += (u64)r;
	if (r < 0)
		die("cannot read the operations file", 0);
	if (n >= sizeof(g->text) - 1)
		die("operations file too long", 0);
	if (fd)
		sys1(SYS_close, fd);
	parse(g, g->text, g->text + n);
	run(g);
	sys1(SYS_exit_group, 0);
}

__asm__(".text\n"
	".global _start\n"
	"_start:\n"
	"	mov %rsp, %rdi\n"
	"	and $-16, %rsp\n"
	"	call start_c\n"
	"	hlt\n");
