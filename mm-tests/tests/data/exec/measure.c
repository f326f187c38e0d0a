#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <sys/personality.h>
/* vfork + execve argv[1..], wait for the zombie, print its minflt. */
int main(int argc, char **argv, char **envp)
{
	personality(ADDR_NO_RANDOMIZE);
	pid_t p = vfork();
	if (!p) { execve(argv[1], argv + 1, envp); _exit(127); }
	siginfo_t si; waitid(P_PID, p, &si, WEXITED | WNOWAIT);
	char path[64], b[4096]; sprintf(path, "/proc/%d/stat", p);
	FILE *f = fopen(path, "r"); fread(b, 1, sizeof b - 1, f);
	char *q = strrchr(b, ')') + 2; int field = 3; char *tok = strtok(q, " ");
	while (tok && field < 10) { tok = strtok(NULL, " "); field++; }
	printf("minflt %s\n", tok);
	return 0;
}
