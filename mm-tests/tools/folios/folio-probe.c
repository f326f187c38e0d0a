/*
 * folio-probe: what a read fault on a file maps and which folio orders
 * readahead puts in the page cache, measured on the running kernel.
 *
 *   cc -O2 -o folio-probe folio-probe.c && ./folio-probe DIR
 *
 * Creates DIR/folio-probe.dat (32 MiB), drops its cache with
 * posix_fadvise(DONTNEED) before each case, and prints per case: the
 * minflt/majflt the accesses took, the pages present in the mapping
 * (/proc/self/pagemap bit 63), the pages cached (mincore), and the folio
 * orders of the cached pages (/proc/kpageflags COMPOUND_HEAD/TAIL of the
 * frames, read through a second mapping).  Needs root for the frame
 * numbers.  After each access that faulted it waits 20 ms so readahead
 * I/O completes (a fault on a folio still under I/O waits and counts as
 * major): the figures are those of a cache that is never caught locked.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#define PG 4096UL
#define NPAGES 8192UL

static int fd, pm, kpf;
static char path[4096];

static void rusage_now(long *mi, long *ma)
{
	struct rusage r;
	getrusage(RUSAGE_SELF, &r);
	*mi = r.ru_minflt;
	*ma = r.ru_majflt;
}

static void drop(void)
{
	fdatasync(fd);
	posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
}

static uint64_t pagemap(void *addr)
{
	uint64_t v = 0;
	pread(pm, &v, 8, ((uintptr_t)addr / PG) * 8);
	return v;
}

/* Present pages of [p, p + n pages) as ranges of page numbers. */
static void present(const char *what, char *p, unsigned long n)
{
	unsigned long i, total = 0, start = 0;
	int in = 0;
	printf("  %s present:", what);
	for (i = 0; i <= n; i++) {
		int pr = i < n && (pagemap(p + i * PG) >> 63) & 1;
		if (pr) total++;
		if (pr && !in) { start = i; in = 1; }
		if (!pr && in) { printf(" %lu-%lu", start, i - 1); in = 0; }
	}
	printf(" (%lu)\n", total);
}

/* Cached pages (mincore) and the orders of their folios. */
static void cache(void)
{
	unsigned char vec[NPAGES];
	char *q = mmap(NULL, NPAGES * PG, PROT_READ, MAP_SHARED, fd, 0);
	unsigned long i, cached = 0, start = 0;
	int in = 0;
	mincore(q, NPAGES * PG, vec);
	printf("  cached:");
	for (i = 0; i <= NPAGES; i++) {
		int c = i < NPAGES && (vec[i] & 1);
		if (c) cached++;
		if (c && !in) { start = i; in = 1; }
		if (!c && in) { printf(" %lu-%lu", start, i - 1); in = 0; }
	}
	printf(" (%lu)\n", cached);
	/* Touch only cached pages: no new reads, existing folios unchanged. */
	for (i = 0; i < NPAGES; i++)
		if (vec[i] & 1)
			(void)*(volatile char *)(q + i * PG);
	printf("  folios:");
	unsigned long run_start = 0, run_order = 99, run_n = 0;
	for (i = 0; i < NPAGES;) {
		if (!(vec[i] & 1)) { i++; continue; }
		uint64_t e = pagemap(q + i * PG), flags = 0;
		uint64_t pfn = e & ((1ULL << 55) - 1);
		pread(kpf, &flags, 8, pfn * 8);
		unsigned long n = 1;
		if (flags & (1ULL << 15)) {
			while (i + n < NPAGES) {
				uint64_t e2 = pagemap(q + (i + n) * PG), f2 = 0;
				pread(kpf, &f2, 8, (e2 & ((1ULL << 55) - 1)) * 8);
				if (!(f2 & (1ULL << 16)) || (e2 & ((1ULL << 55) - 1)) != pfn + n)
					break;
				n++;
			}
		}
		unsigned long order = __builtin_ctzl(n);
		if (order == run_order && i == run_start + run_n * (1UL << order)) {
			run_n++;
		} else {
			if (run_order != 99)
				printf(" %lu+%lux%lu", run_start, run_n, run_order);
			run_start = i; run_order = order; run_n = 1;
		}
		i += n;
	}
	if (run_order != 99)
		printf(" %lu+%lux%lu", run_start, run_n, run_order);
	printf("\n");
	munmap(q, NPAGES * PG);
}

/* Loads one byte of each page in [from, to) step `step`. */
static void touch(char *p, unsigned long from, unsigned long to, unsigned long step)
{
	long mi, ma, mi1, ma1, tmin = 0, tmaj = 0;
	unsigned long i;
	for (i = from; i < to; i += step) {
		rusage_now(&mi, &ma);
		(void)*(volatile char *)(p + i * PG);
		rusage_now(&mi1, &ma1);
		tmin += mi1 - mi;
		tmaj += ma1 - ma;
		if (mi1 != mi || ma1 != ma)
			usleep(20000);
	}
	printf("  touch %lu..%lu step %lu: minflt %ld majflt %ld\n", from, to, step, tmin, tmaj);
}

static void run_case(const char *name, int prot, unsigned long from, unsigned long to,
		     unsigned long step, int read_first)
{
	drop();
	printf("case %s\n", name);
	if (read_first) {
		char buf[832];
		pread(fd, buf, sizeof buf, 0);
		usleep(20000);
		printf("  pread 832 at 0\n");
	}
	char *p = mmap(NULL, NPAGES * PG, prot, MAP_PRIVATE, fd, 0);
	touch(p, from, to, step);
	present("mapping", p, NPAGES);
	cache();
	munmap(p, NPAGES * PG);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "/tmp";
	snprintf(path, sizeof path, "%s/folio-probe.dat", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) { perror(path); return 1; }
	char *buf = malloc(1 << 20);
	for (int i = 0; i < 32; i++) {
		memset(buf, 'a' + i % 26, 1 << 20);
		write(fd, buf, 1 << 20);
	}
	fsync(fd);
	pm = open("/proc/self/pagemap", O_RDONLY);
	kpf = open("/proc/kpageflags", O_RDONLY);
	if (pm < 0 || kpf < 0) { perror("pagemap/kpageflags"); return 1; }
	/* One fault in the middle: mmap read-around. */
	run_case("read-around page 4000", PROT_READ, 4000, 4001, 1, 0);
	/* One fault in an executable mapping. */
	run_case("exec page 4000", PROT_READ | PROT_EXEC, 4000, 4001, 1, 0);
	/* Every page in order: read-around, then async readahead. */
	run_case("sequential", PROT_READ, 0, NPAGES, 1, 0);
	/* The first page read with pread, then every page mapped. */
	run_case("pread then sequential", PROT_READ, 0, NPAGES, 1, 1);
	/* Strided from the end of the read-around window. */
	run_case("stride 64 from 2048", PROT_READ, 2048, NPAGES, 64, 0);
	unlink(path);
	return 0;
}
