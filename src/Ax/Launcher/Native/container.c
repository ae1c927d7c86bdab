/*
 * The static container launcher (`make container-launcher`, out/ax-container): main.c linked statically
 * against musl, without the .NET program, so that it starts in any root filesystem, whatever its C library
 * or none (a busybox or alpine image: a glibc binary there fails with "no such file or directory", since
 * its dynamic loader is missing). NativeAOT links the full ax against the build machine's glibc only
 * (README, "Containers", says what was measured).
 *
 * It runs the plain `ax run` that main.c launches by itself; this file stands in for the .NET program
 * where main.c would hand over, and says in one sentence why the launch cannot go on here.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_RUN_DIR "/var/run/appswitch"

extern int ax_fallback_reason;
extern int ax_fallback_errno;

static const char *run_dir(void)
{
    const char *dir = getenv("AX_RUN_DIR");
    return dir && *dir ? dir : DEFAULT_RUN_DIR;
}

int __managed__Main(int argc, char **argv)
{
    if (argc < 3 || strcmp(argv[1], "run") != 0) {
        fputs("ax: this is ax's static launcher for containers, which runs only `ax run [options] COMMAND`; "
              "use the ax on the host for every other command\n", stderr);
        return 2;
    }
    int error = ax_fallback_errno;
    switch (ax_fallback_reason) {
    case 1: /* AX_FALLBACK_RUN_DIR */
        fputs("ax: the container launcher takes its run directory from AX_RUN_DIR, not --run-dir\n", stderr);
        return 2;
    case 2: /* AX_FALLBACK_CONNECT: connect(2) on the control socket */
        if (error == EACCES) {
            fprintf(stderr, "ax: permission denied on %s/ax.sock; mount the host's run directory as it is, "
                            "without changing its owner or mode\n", run_dir());
        } else {
            fprintf(stderr, "ax: no ax daemon answers at %s/ax.sock (%s); mount the host's run directory into "
                            "the container (-v /var/run/appswitch:/var/run/appswitch) and check that `ax daemon` "
                            "runs on the host\n", run_dir(), strerror(error));
        }
        return 1;
    case 4: /* AX_FALLBACK_COMMAND */
        fputs("ax: the command was not found in this container, or is not executable\n", stderr);
        return 127;
    case 5: /* AX_FALLBACK_FILTER: seccomp(2) */
        if (error == EPERM || error == ENOSYS) {
            fprintf(stderr, "ax: the container's seccomp profile forbids the seccomp system call (%s), which ax run "
                            "needs to install its filter; allow seccomp in the profile (podman and docker's "
                            "default profiles do), or run with --security-opt seccomp=unconfined\n", strerror(error));
        } else {
            fprintf(stderr, "ax: could not install the seccomp filter (%s)\n", strerror(error));
        }
        return 1;
    default: /* AX_FALLBACK_PLAN */
        fputs("ax: the ax daemon would not plan this launch: the container launcher runs only plain "
              "`ax run [--ip A] [--name N] [--labels L] [--expose E] [--new-netns B] [--dns-override B] COMMAND`; "
              "check the flags with `ax run --help` on the host\n", stderr);
        return 2;
    }
}
