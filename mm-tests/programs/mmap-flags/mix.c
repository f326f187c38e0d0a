/* The program recorded in this directory (gcc -O1 -o /tmp/mmsim-capture/mix mix.c):
   MAP_GROWSDOWN, MAP_32BIT, a 16 GiB PROT_NONE reservation, madvise advice,
   memfd, mremap of private and shared anonymous memory, glibc realloc of a
   big block, a fork, then its own /proc/self/maps. */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <stdlib.h>
#include <fcntl.h>
int main(){
  char *g = mmap(NULL, 65536, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_GROWSDOWN, -1, 0);
  g[65535]=1;
  char *l = mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_32BIT, -1, 0);
  char *l2 = mmap(NULL, 3<<20, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_32BIT, -1, 0);
  char *h = mmap(NULL, 1UL<<34, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE, -1, 0);
  mprotect(h + (1<<20), 1<<21, PROT_READ|PROT_WRITE);
  char *a = mmap(NULL, 8<<20, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0);
  madvise(a, 4<<20, MADV_HUGEPAGE); madvise(a, 1<<20, MADV_DONTNEED); madvise(a+(2<<20), 1<<20, MADV_FREE);
  madvise(a+(4<<20), 1<<20, MADV_DONTFORK); madvise(a+(5<<20), 1<<20, MADV_WIPEONFORK); madvise(a, 8<<20, MADV_SEQUENTIAL);
  int fd = memfd_create("mixfd", MFD_CLOEXEC); ftruncate(fd, 1<<20);
  char *m = mmap(NULL, 1<<20, PROT_READ|PROT_WRITE, MAP_SHARED, fd, 0); m[0]=1;
  char *m2 = mmap(NULL, 1<<20, PROT_READ, MAP_SHARED, fd, 0);
  char *r = mmap(NULL, 1<<20, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0); r[0]=1;
  r = mremap(r, 1<<20, 64<<20, MREMAP_MAYMOVE);
  r = mremap(r, 64<<20, 32<<20, 0);
  char *s = mmap(NULL, 1<<22, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_ANONYMOUS, -1, 0); s[0]=1;
  s = mremap(s, 1<<22, 1<<23, MREMAP_MAYMOVE);
  char *st = mmap(NULL, 1<<20, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_STACK, -1, 0);
  munmap(st+4096, 4096);
  void *p = malloc(200<<20); p = realloc(p, 400<<20); free(p);
  if (fork()==0) { mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0); _exit(0); }
  int f = open("/proc/self/maps", O_RDONLY); char buf[65536]; ssize_t n; while ((n = read(f, buf, sizeof buf)) > 0) fwrite(buf,1,n,stdout);
  return 0;
}
