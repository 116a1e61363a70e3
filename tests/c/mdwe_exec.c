/* Runs a program the way systemd's MemoryDenyWriteExecute=yes would: with the kernel's memory-deny-write-execute
 * (PR_SET_MDWE, Linux 6.3+), which refuses writable+executable mappings and adding PROT_EXEC later, and which
 * stays on across execve. The packaging tests open a port under it to show the unit's setting is safe.
 * usage: mdwe_exec PROGRAM [ARGS...] */
#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>

#ifndef PR_SET_MDWE
#define PR_SET_MDWE 65
#endif
#ifndef PR_MDWE_REFUSE_EXEC_GAIN
#define PR_MDWE_REFUSE_EXEC_GAIN 1
#endif

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: mdwe_exec PROGRAM [ARGS...]\n");
        return 2;
    }
    if (prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0L, 0L, 0L) != 0) {
        perror("prctl(PR_SET_MDWE)");
        return 127;
    }
    execvp(argv[1], argv + 1);
    perror(argv[1]);
    return 127;
}
