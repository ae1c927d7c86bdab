/*
 * The static front (out/ax, `make build`): main.c linked statically against musl, without the .NET
 * program, so that `ax` starts in any root filesystem, whatever its C library or none (a busybox or alpine
 * image that mounts the host's /usr/bin: a glibc binary there fails with "no such file or directory",
 * since its dynamic loader is missing). NativeAOT links the rest of ax (ax-core, installed beside it)
 * against the build machine's glibc only (README, "Apps in containers").
 *
 * main.c runs the plain `ax run` itself; every other command, and every launch it hands over, is
 * ax-core's: this file execs it, same argv. Where ax-core cannot run, it says in one sentence why the
 * command cannot go on here.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern int ax_fallback_reason;
extern int ax_fallback_errno;
extern const char *ax_run_dir(void);

/* Why ax-core could not be executed: ENOENT also when it is a glibc binary in an image without glibc's
 * loader (execve(2), "ENOENT ... the ELF interpreter was not found"). */
static int core_errno;

/* The directory of the running front: /proc/self/exe's target (proc(5)), which follows the symlinks
 * a user may call ax through; argv[0]'s directory where /proc is not mounted. */
static int front_directory(const char *argv0, char *directory, size_t size)
{
    ssize_t length = readlink("/proc/self/exe", directory, size - 1);
    if (length > 0 && directory[0] == '/') {
        directory[length] = '\0';
    } else if (strchr(argv0, '/') != NULL && strlen(argv0) < size) {
        strcpy(directory, argv0);
    } else {
        return -1;
    }
    char *slash = strrchr(directory, '/');
    if (slash == directory) {
        slash[1] = '\0';
    } else {
        *slash = '\0';
    }
    return 0;
}

void ax_front_exec_core(char **argv, int tried)
{
    char directory[4096];
    char core[4096 + 16];
    if (front_directory(argv[0], directory, sizeof directory) != 0) {
        core_errno = ENOENT;
        return;
    }
    snprintf(core, sizeof core, "%s/ax-core", directory);
    if (tried) {
        setenv("AX_FRONT_TRIED", "1", 1); /* main.c: ax-core does not ask the daemon again */
    }
    execv(core, argv);
    core_errno = errno;
    if (tried) {
        unsetenv("AX_FRONT_TRIED");
    }
}

int __managed__Main(int argc, char **argv)
{
    if (argc < 3 || strcmp(argv[1], "run") != 0) {
        fprintf(stderr, "ax: this image has only ax's static launcher (ax-core, the rest of ax, cannot run here: %s), "
                        "which runs only `ax run [options] COMMAND`; use the ax on the host for every other "
                        "command\n", strerror(core_errno));
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
                            "without changing its owner or mode\n", ax_run_dir());
        } else {
            fprintf(stderr, "ax: no ax daemon answers at %s/ax.sock (%s); mount the host's run directory into "
                            "the container (-v /var/run/appswitch:/var/run/appswitch) and check that `ax daemon` "
                            "runs on the host\n", ax_run_dir(), strerror(error));
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
