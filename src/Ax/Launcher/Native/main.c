/*
 * The process entry of both of ax's files: ax-core, the NativeAOT program (CustomNativeMain in Ax.csproj),
 * and, linked statically against musl with container.c (-DAX_FRONT), ax itself, the static front that
 * every command starts in and that execs ax-core for all but the launch below (container.c).
 *
 * Every command but one goes straight to the .NET program (__managed__Main). The one is `ax run`, and only
 * its plainest form: the launch of an app is paid by every app, and starting the .NET runtime alone costs
 * a launch about 1.6 ms on this class of machine, more than everything else ax does before the app runs
 * (BENCHMARKS.md, "launch overhead": `execfloor true` against `true`; perf: ld.so, the runtime's cgroup
 * and /proc/self/maps reads, its GC and finalizer-thread start). So this file carries the steps of a
 * launch that need no judgement, and the daemon, which runs the same C# parser and checks as the full
 * launcher (Control/NativeLaunch.cs), makes every decision:
 *
 *   1. connect to the daemon's control socket, send the arguments;
 *   2. the daemon answers "go" with the seccomp filter, where the command starts in argv, whether to
 *      override the resolver, and a ready network namespace; or "fall back";
 *   3. find the command on PATH, install the filter, send its listener;
 *   4. the daemon admits the app (or says why not); enter the namespace, mount the resolver, execve.
 *
 * Anything unusual before step 3 (not root, --run-dir, no daemon, --user, --interface, a bad flag, a
 * command that is not found, an old daemon) falls back to the full launcher in C#, which does the same
 * and owns every error message. After the filter is installed there is no way back, so the few failures
 * left are reported here, in the full launcher's words.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#ifndef SECCOMP_FILTER_FLAG_SPEC_ALLOW
#define SECCOMP_FILTER_FLAG_SPEC_ALLOW (1UL << 2)
#endif

extern int __managed__Main(int argc, char **argv);

/* Set by the static front (container.c) when it tried the plain launch itself before handing over. */
#define AX_FRONT_TRIED "AX_FRONT_TRIED"

#ifdef AX_FRONT
/* container.c: execs ax-core beside the front; returns only if it cannot run here. */
extern void ax_front_exec_core(char **argv, int tried);
#endif

#ifndef __GLIBC__
/* musl (the static front, container.c) has no strerrorname_np; the names ax's messages use. */
static const char *strerrorname_np(int error)
{
    switch (error) {
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case EACCES: return "EACCES";
    case EINVAL: return "EINVAL";
    case ENOSYS: return "ENOSYS";
    case ENOEXEC: return "ENOEXEC";
    case ECONNREFUSED: return "ECONNREFUSED";
    case EBUSY: return "EBUSY";
    default: return strerror(error);
    }
}
#endif

/* Why try_launch handed over (AX_FALLBACK_*), and the errno with it: the full launcher finds out again
 * and explains in C#; the static front, where ax-core cannot run,, explains from these (container.c). */
int ax_fallback_reason;
int ax_fallback_errno;

/* Control/NativeLaunch.cs holds the other half of every constant below. */
#define MAGIC "ax-launch/1"
#define MAX_MESSAGE (64 * 1024)
#define PLAN_HEADER 8
#define FLAG_ENTER_NAMESPACE 1
#define FLAG_OVERRIDE_RESOLVER 2
#define DEFAULT_RUN_DIR "/var/run/appswitch"
#define RESOLV_CONF "/etc/resolv.conf"
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define EXIT_USAGE 2
#define EXIT_NOT_EXECUTABLE 126
#define EXIT_NOT_FOUND 127
#define AX_FALLBACK_RUN_DIR 1   /* --run-dir given */
#define AX_FALLBACK_CONNECT 2   /* the control socket could not be reached */
#define AX_FALLBACK_PLAN 3      /* the daemon answered "fall back" */
#define AX_FALLBACK_COMMAND 4   /* the command was not found */
#define AX_FALLBACK_FILTER 5    /* the filter could not be installed */
#define AX_FALLBACK_RESOLV 6    /* no /etc/resolv.conf to mount over */

/* One message buffer, static: 64 KiB on the stack would be touched page by page all the same. */
static unsigned char message[MAX_MESSAGE];

struct launch {
    int control;              /* the control socket */
    int namespace_fd;         /* the ready network namespace, or -1 */
    int command;              /* index in argv of the app's command */
    int flags;
    const unsigned char *filter;
    uint16_t filter_length;   /* instructions */
    char resolv_conf[4096];   /* the daemon's resolv.conf, when FLAG_OVERRIDE_RESOLVER */
    char path[4096];          /* the command, found */
    int no_sys_admin;         /* the filter needed no_new_privs: no CAP_SYS_ADMIN, so no setns either */
};

static void close_all(struct launch *launch)
{
    if (launch->namespace_fd >= 0) {
        close(launch->namespace_fd);
        launch->namespace_fd = -1;
    }
    if (launch->control >= 0) {
        close(launch->control);
        launch->control = -1;
    }
}

/* sendmsg with at most one descriptor (SCM_RIGHTS). */
static int send_message(int socket_fd, const void *data, size_t length, int fd)
{
    struct iovec iov = { .iov_base = (void *)data, .iov_len = length };
    union { struct cmsghdr header; char space[CMSG_SPACE(sizeof(int))]; } control;
    struct msghdr header = { .msg_iov = &iov, .msg_iovlen = 1 };
    if (fd >= 0) {
        memset(&control, 0, sizeof control);
        header.msg_control = control.space;
        header.msg_controllen = sizeof control.space;
        struct cmsghdr *cmsg = CMSG_FIRSTHDR(&header);
        cmsg->cmsg_level = SOL_SOCKET;
        cmsg->cmsg_type = SCM_RIGHTS;
        cmsg->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cmsg), &fd, sizeof fd);
    }
    ssize_t sent;
    do {
        sent = sendmsg(socket_fd, &header, MSG_NOSIGNAL);
    } while (sent < 0 && errno == EINTR);
    return sent == (ssize_t)length ? 0 : -1;
}

/* recvmsg into `message`; returns its length (0 when the peer closed, -1 on error) and any descriptor. */
static ssize_t receive_message(int socket_fd, int *fd)
{
    struct iovec iov = { .iov_base = message, .iov_len = sizeof message };
    union { struct cmsghdr header; char space[CMSG_SPACE(sizeof(int))]; } control;
    struct msghdr header = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.space, .msg_controllen = sizeof control.space,
    };
    ssize_t received;
    do {
        received = recvmsg(socket_fd, &header, MSG_CMSG_CLOEXEC);
    } while (received < 0 && errno == EINTR);
    *fd = -1;
    if (received >= 0) {
        for (struct cmsghdr *cmsg = CMSG_FIRSTHDR(&header); cmsg; cmsg = CMSG_NXTHDR(&header, cmsg)) {
            if (cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS &&
                cmsg->cmsg_len == CMSG_LEN(sizeof(int))) {
                memcpy(fd, CMSG_DATA(cmsg), sizeof *fd);
            }
        }
    }
    return received;
}

/* The run directory as this process sees it: AX_RUN_DIR, or the default (container.c's messages use it too). */
const char *ax_run_dir(void)
{
    const char *run_dir = getenv("AX_RUN_DIR");
    return run_dir && *run_dir ? run_dir : DEFAULT_RUN_DIR;
}

static int connect_daemon(void)
{
    struct sockaddr_un address = { .sun_family = AF_UNIX };
    int length = snprintf(address.sun_path, sizeof address.sun_path, "%s/ax.sock", ax_run_dir());
    if (length < 0 || (size_t)length >= sizeof address.sun_path) {
        return -1;
    }
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&address, sizeof address) != 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

/* Steps 1 and 2: the arguments out, the plan back. Returns 0 to go on, -1 to fall back. */
static int plan(struct launch *launch, int argc, char **argv)
{
    size_t used = sizeof MAGIC; /* with its NUL */
    memcpy(message, MAGIC, sizeof MAGIC);
    for (int i = 1; i < argc; i++) {
        size_t length = strlen(argv[i]) + 1;
        if (used + length > sizeof message) {
            return -1;
        }
        memcpy(message + used, argv[i], length);
        used += length;
    }
    if (send_message(launch->control, message, used, -1) != 0) {
        return -1;
    }

    ssize_t received = receive_message(launch->control, &launch->namespace_fd);
    if (received < PLAN_HEADER || message[0] != 'G') {
        return -1; /* "F", or a daemon that does not know this protocol */
    }
    uint16_t command, resolv_length;
    memcpy(&command, message + 1, 2);
    launch->flags = message[3];
    memcpy(&launch->filter_length, message + 4, 2);
    memcpy(&resolv_length, message + 6, 2);
    size_t filter_bytes = (size_t)launch->filter_length * sizeof(struct sock_filter);
    if ((size_t)received != PLAN_HEADER + filter_bytes + resolv_length || launch->filter_length == 0 ||
        resolv_length >= sizeof launch->resolv_conf || 1 + (int)command >= argc) {
        return -1;
    }
    if ((launch->flags & FLAG_ENTER_NAMESPACE) && launch->namespace_fd < 0) {
        return -1;
    }
    launch->command = 1 + command; /* the daemon counts from argv[1] */
    launch->filter = message + PLAN_HEADER;
    memcpy(launch->resolv_conf, message + PLAN_HEADER + filter_bytes, resolv_length);
    launch->resolv_conf[resolv_length] = '\0';
    if (resolv_length > 0) {
        /* The daemon names its resolv.conf by its own path; the file is in the run directory this launcher
         * reached it through, which a daemon in a container may see at another path (Dns/ResolvConf.cs). */
        int length = snprintf(launch->resolv_conf, sizeof launch->resolv_conf, "%s/resolv.conf", ax_run_dir());
        if (length < 0 || (size_t)length >= sizeof launch->resolv_conf) {
            return -1;
        }
    }
    return 0;
}

/* Launcher/CommandResolver.cs, one stat(2) per candidate: a file with any execute bit, not a directory. */
static int is_command(const char *path)
{
    struct stat status;
    return stat(path, &status) == 0 && !S_ISDIR(status.st_mode) && (status.st_mode & 0111) != 0;
}

/* Step 3a: the command as a shell finds it. Returns 0 when found, -1 to let the full launcher explain. */
static int find_command(struct launch *launch, const char *command)
{
    if (strchr(command, '/')) {
        if (strlen(command) >= sizeof launch->path) {
            return -1;
        }
        strcpy(launch->path, command);
        return is_command(command) ? 0 : -1;
    }
    const char *path = getenv("PATH");
    if (!path) {
        path = DEFAULT_PATH;
    }
    for (const char *start = path;; ) {
        const char *end = strchrnul(start, ':');
        int directory_length = end == start ? 1 : (int)(end - start); /* an empty entry is "." */
        int length = snprintf(launch->path, sizeof launch->path, "%.*s/%s",
                              directory_length, end == start ? "." : start, command);
        if (length > 0 && (size_t)length < sizeof launch->path && is_command(launch->path)) {
            return 0;
        }
        if (*end == '\0') {
            return -1;
        }
        start = end + 1;
    }
}

/* Step 3b: the filter on this, the only, thread. Returns the listener, or -1 to fall back. */
static int install_filter(struct launch *launch)
{
    /* The plan's filter sits at offset 8 of the message; copied, so it is aligned for the kernel. */
    static struct sock_filter program[MAX_MESSAGE / sizeof(struct sock_filter)];
    memcpy(program, launch->filter, (size_t)launch->filter_length * sizeof *program);
    struct sock_fprog fprog = { .len = launch->filter_length, .filter = program };
    long listener = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
                            SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_SPEC_ALLOW, &fprog);
    if (listener < 0 && errno == EACCES && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0) {
        /* Launcher/SeccompInstaller.cs says why: no CAP_SYS_ADMIN here (an unprivileged container). */
        launch->no_sys_admin = 1;
        listener = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
                           SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_SPEC_ALLOW, &fprog);
    }
    return listener < 0 ? -1 : (int)listener;
}

/* Interfaces of the calling thread's network namespace other than lo, as /proc/PID/net/dev lists them
 * (proc(5)): 0 in a container started with --net none, -1 when /proc cannot tell. */
static int count_interfaces(void)
{
    FILE *file = fopen("/proc/thread-self/net/dev", "re");
    if (!file) {
        return -1;
    }
    char line[512];
    int count = 0;
    for (int number = 0; fgets(line, sizeof line, file); number++) {
        const char *name = line + strspn(line, " ");
        if (number >= 2 && strncmp(name, "lo:", 3) != 0) { /* two header lines */
            count++;
        }
    }
    fclose(file);
    return count;
}

/* Launcher/NetnsFallback.cs has the same words: the app stays where it is, and the one line says why. */
static void note_current_namespace(void)
{
    if (count_interfaces() == 0) {
        fputs("ax: note: the app runs in this network namespace, which has only lo (as in a container started "
              "with --net none), since ax may not give it one of its own here (no CAP_SYS_ADMIN)\n", stderr);
    } else {
        fputs("ax: note: the app runs in the caller's network namespace, as with --new-netns=false, since ax may "
              "not give it one of its own here (no CAP_SYS_ADMIN); its sockets are still ax's\n", stderr);
    }
}

/* Says what failed, in the full launcher's words; `format` has one %s for the errno name. */
static int fail(int code, const char *format, int error)
{
    fputs("ax: ", stderr);
    fprintf(stderr, format, strerrorname_np(error));
    fputc('\n', stderr);
    return code;
}

/* Launcher/ResolverOverride.cs, for root. Returns 0, or the exit code after saying what failed. */
static int override_resolver(const char *daemon_resolv_conf)
{
    if (unshare(CLONE_NEWNS) != 0) {
        if (errno == EPERM) {
            /* No CAP_SYS_ADMIN (an unprivileged container): the app keeps its resolv.conf, and the daemon
             * sends the queries to its nameservers to ax's DNS server (Interception/SyscallHandler.Dns.cs). */
            return 0;
        }
        return fail(1, "could not give the app its own mount namespace for its resolv.conf (%s); pass "
                       "--dns-override=false to keep the host's resolver", errno);
    }
    if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) != 0) {
        return fail(1, "could not make the app's mounts private to it (%s); pass --dns-override=false to "
                       "keep the host's resolver", errno);
    }
    if (mount(daemon_resolv_conf, RESOLV_CONF, NULL, MS_BIND, NULL) != 0) {
        int error = errno;
        fprintf(stderr, "ax: could not mount %s over %s for the app (%s); pass --dns-override=false to keep "
                        "the host's resolver\n", daemon_resolv_conf, RESOLV_CONF, strerrorname_np(error));
        return 1;
    }
    mount(NULL, RESOLV_CONF, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL); /* best effort, as in C# */
    return 0;
}

/* Steps 3 and 4, past the point of no return. Returns only on failure, with the exit code. */
static int admit_and_exec(struct launch *launch, int listener, char **argv)
{
    int sent = send_message(launch->control, "L", 1, listener);
    close(listener);
    int stray = -1;
    ssize_t received = sent == 0 ? receive_message(launch->control, &stray) : -1;
    if (stray >= 0) {
        close(stray);
    }
    if (received < 1 || (message[0] != 'A' && message[0] != 'E')) {
        fputs("ax: the ax daemon closed the connection before accepting the app; see the daemon's log\n", stderr);
        return 1;
    }
    if (message[0] == 'E') {
        fprintf(stderr, "ax: %.*s\n", (int)received - 1, (const char *)message + 1);
        return EXIT_USAGE;
    }
    close(launch->control);
    launch->control = -1;

    if (launch->flags & FLAG_ENTER_NAMESPACE) {
        /* setns(2) into a network namespace needs CAP_SYS_ADMIN both here and over the namespace
         * (net/core/net_namespace.c, netns_install): EPERM in a container, where the app stays. */
        if (launch->no_sys_admin || setns(launch->namespace_fd, CLONE_NEWNET) != 0) {
            if (!launch->no_sys_admin && errno != EPERM) {
                return fail(1, "could not enter the network namespace the ax daemon made for the app (%s)", errno);
            }
            note_current_namespace();
        }
        close(launch->namespace_fd);
        launch->namespace_fd = -1;
    }
    if (launch->flags & FLAG_OVERRIDE_RESOLVER) {
        int code = override_resolver(launch->resolv_conf);
        if (code != 0) {
            return code;
        }
    }

    execv(launch->path, argv + launch->command);
    int error = errno;
    fprintf(stderr, "ax: %s: could not be started (%s)\n", argv[launch->command], strerrorname_np(error));
    return error == ENOENT ? EXIT_NOT_FOUND : EXIT_NOT_EXECUTABLE;
}

#ifdef AX_FRONT
/* Set once ax-core turned out not to run here: then a root filesystem without /etc/resolv.conf just keeps
 * its own resolver; with ax-core beside the front, ax-core explains the missing file as it always has. */
static int front_alone;
#endif

/* Returns 1 with *code set when the launch ended here (the app could not start), 0 to fall back. */
static int try_launch(int argc, char **argv, int *code)
{
    for (int i = 2; i < argc; i++) {
        if (strncmp(argv[i], "--run-dir", 9) == 0) {
            ax_fallback_reason = AX_FALLBACK_RUN_DIR;
            return 0; /* the one option that changes where the daemon is: the full launcher reads it */
        }
    }

    struct launch launch = { .control = connect_daemon(), .namespace_fd = -1 };
    ax_fallback_errno = errno;
    ax_fallback_reason = launch.control < 0 ? AX_FALLBACK_CONNECT : AX_FALLBACK_PLAN;
    if (launch.control < 0 || plan(&launch, argc, argv) != 0) {
        close_all(&launch);
        return 0;
    }
    if (find_command(&launch, argv[launch.command]) != 0) {
        ax_fallback_reason = AX_FALLBACK_COMMAND;
        close_all(&launch);
        return 0;
    }

    struct stat status;
    int no_resolv_conf = (launch.flags & FLAG_OVERRIDE_RESOLVER) && stat(RESOLV_CONF, &status) != 0;
#ifdef AX_FRONT
    if (no_resolv_conf && front_alone) {
        launch.flags &= ~FLAG_OVERRIDE_RESOLVER; /* a bare root filesystem: no resolver to override */
        no_resolv_conf = 0;
    }
#endif
    if (no_resolv_conf) {
        ax_fallback_reason = AX_FALLBACK_RESOLV;
        close_all(&launch); /* nothing to mount over: the full launcher says so */
        return 0;
    }

    int listener = install_filter(&launch);
    if (listener < 0) {
        ax_fallback_reason = AX_FALLBACK_FILTER;
        ax_fallback_errno = errno;
        close_all(&launch);
        return 0;
    }

    *code = admit_and_exec(&launch, listener, argv);
    close_all(&launch);
    return 1;
}

/* Whether the caller had SIGPIPE ignored, read before the .NET runtime ignores it for itself: the full
 * launcher restores the caller's disposition before execve (Launcher/ProgramExecutor.cs). */
static int caller_ignored_sigpipe;

int ax_caller_ignored_sigpipe(void)
{
    return caller_ignored_sigpipe;
}

int main(int argc, char **argv)
{
    int run = argc >= 3 && strcmp(argv[1], "run") == 0;
#ifdef AX_FRONT
    /* The static front (out/ax, container.c): the plain launch here, everything else in ax-core beside
     * it. Root only, as in ax-core, so a user on the host gets the full launcher's explanations; where
     * ax-core cannot run (a musl or libc-free image), the fast path is all there is, for any user. */
    int code;
    if (run && geteuid() == 0) {
        if (try_launch(argc, argv, &code)) {
            return code;
        }
        ax_front_exec_core(argv, 1);
        front_alone = 1;
        if (ax_fallback_reason == AX_FALLBACK_RESOLV && try_launch(argc, argv, &code)) {
            return code;
        }
    } else {
        ax_front_exec_core(argv, 0);
        front_alone = 1;
        if (run && try_launch(argc, argv, &code)) {
            return code;
        }
    }
    return __managed__Main(argc, argv); /* container.c: says why nothing more can run here */
#else
    /* Root only: an app's own namespaces need it, and the full launcher explains the alternatives. Not
     * when the static front already tried this launch and handed over: the daemon is not asked twice.
     * The variable goes before the runtime reads the environment, so the app does not inherit it. */
    int front_tried = getenv(AX_FRONT_TRIED) != NULL;
    if (front_tried) {
        unsetenv(AX_FRONT_TRIED);
    }
    if (run && !front_tried && geteuid() == 0) {
        int code;
        if (try_launch(argc, argv, &code)) {
            return code;
        }
    }
    struct sigaction sigpipe;
    caller_ignored_sigpipe = sigaction(SIGPIPE, NULL, &sigpipe) == 0 && sigpipe.sa_handler == SIG_IGN;
    return __managed__Main(argc, argv);
#endif
}
