/*
 * takeover: the bare seccomp takeover mechanism, as a yardstick for the ax benchmark (bench/run.sh).
 *
 *   takeover [--socket | --socket-only] -- COMMAND [ARG...]
 *
 * Runs COMMAND (in this process, keeping its pid) under a seccomp filter that sends every connect()
 * and, with --socket, every socket(AF_INET, ...) to a user-space supervisor: a child forked before the
 * filter is installed. With --socket-only, socket() alone is trapped and connect() runs in the kernel
 * untouched; the supervisor marks each socket it makes with TAKEOVER_MARK, by which the connect program
 * of bpfconnect.c (a design where the kernel rewrites the destination, with no trap) knows it.
 * The supervisor does the least any takeover design must do, in C, with no
 * service table, policy or bookkeeping:
 *   connect: copy the app's descriptor (pidfd_getfd), read the sockaddr (process_vm_readv), connect
 *            the copy to that very address, answer with the result;
 *   socket:  create the socket itself and install it in the app (SECCOMP_IOCTL_NOTIF_ADDFD with
 *            SECCOMP_ADDFD_FLAG_SEND), the way a daemon hands an app a socket of another namespace.
 * The listener has SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP set where the kernel knows it (>= 6.6), as ax does.
 *
 * The figures COMMAND measures under takeover are the limit that design can reach on this machine:
 * `takeover -- connlat connect ...` for connect() latency, `takeover -- true` for launch.
 *
 * Build: gcc -O2 -o takeover takeover.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

/* The SO_MARK of the sockets made under --socket-only ("AX" and 2); bpfconnect.c checks for it. */
#define TAKEOVER_MARK 0x41580002u

enum trap { TRAP_CONNECT, TRAP_SOCKET_AND_CONNECT, TRAP_SOCKET_ONLY };

static enum trap trap = TRAP_CONNECT; /* set once in main, before the supervisor is forked */

static int install_filter(void)
{
    struct sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, trap == TRAP_SOCKET_ONLY ? 0xffffffffu : SYS_connect, 4, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, trap != TRAP_CONNECT ? SYS_socket : 0xffffffffu, 0, 2),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_INET, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
    };
    struct sock_fprog prog = { .len = sizeof(code) / sizeof(code[0]), .filter = code };
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -1;
    return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
}

static int send_fd(int sock, int fd)
{
    char byte = 0;
    struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
    union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } u;
    memset(&u, 0, sizeof(u));
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof(int));
    return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
    char byte;
    struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
    union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } u;
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
    if (recvmsg(sock, &msg, 0) != 1) return -1;
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    if (!c || c->cmsg_type != SCM_RIGHTS) return -1;
    int fd;
    memcpy(&fd, CMSG_DATA(c), sizeof(int));
    return fd;
}

/* Answers one notification; returns 0, or -1 when the listener is gone. */
static int serve_one(int listener, int app_pidfd, pid_t app)
{
    struct seccomp_notif req;
    struct seccomp_notif_resp resp;
    memset(&req, 0, sizeof(req));
    if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) != 0)
        return errno == EINTR || errno == ENOENT ? 0 : -1;
    memset(&resp, 0, sizeof(resp));
    resp.id = req.id;
    if (req.data.nr == SYS_socket) {
        int fd = socket((int)req.data.args[0], (int)req.data.args[1], (int)req.data.args[2]);
        unsigned mark = TAKEOVER_MARK;
        if (fd >= 0 && trap == TRAP_SOCKET_ONLY && setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) != 0) {
            int e = errno;
            close(fd);
            fd = -1;
            errno = e;
        }
        if (fd < 0) {
            resp.error = -errno;
        } else {
            struct seccomp_notif_addfd add = {
                .id = req.id,
                .flags = SECCOMP_ADDFD_FLAG_SEND,
                .srcfd = (unsigned)fd,
                .newfd_flags = (req.data.args[1] & SOCK_CLOEXEC) ? O_CLOEXEC : 0,
            };
            int r = ioctl(listener, SECCOMP_IOCTL_NOTIF_ADDFD, &add);
            int e = errno;
            close(fd);
            if (r >= 0) return 0; /* answered */
            if (e == ENOENT) return 0;
            resp.error = -e;
        }
    } else {
        char addr[128];
        size_t len = req.data.args[2] < sizeof(addr) ? (size_t)req.data.args[2] : sizeof(addr);
        struct iovec local = { .iov_base = addr, .iov_len = len };
        struct iovec remote = { .iov_base = (void *)(uintptr_t)req.data.args[1], .iov_len = len };
        int copy = (int)syscall(SYS_pidfd_getfd, app_pidfd, (int)req.data.args[0], 0);
        if (copy < 0) {
            resp.error = -errno;
        } else if (process_vm_readv(app, &local, 1, &remote, 1, 0) != (ssize_t)len) {
            resp.error = -EFAULT;
            close(copy);
        } else {
            resp.error = connect(copy, (struct sockaddr *)addr, (socklen_t)len) == 0 ? 0 : -errno;
            close(copy);
        }
    }
    if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp) != 0 && errno != ENOENT)
        return -1;
    return 0;
}

static int supervise(int channel, pid_t app)
{
    int listener = recv_fd(channel);
    if (listener < 0) return 1;
    int app_pidfd = (int)syscall(SYS_pidfd_open, app, 0);
    if (app_pidfd < 0) { perror("takeover: pidfd_open"); return 1; }
    ioctl(listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP, 0);
    char go = 1;
    if (write(channel, &go, 1) != 1) return 1;
    close(channel);
    for (;;) {
        struct pollfd p = { .fd = listener, .events = POLLIN };
        if (poll(&p, 1, -1) < 0) {
            if (errno == EINTR) continue;
            return 1;
        }
        if (p.revents & POLLIN) {
            if (serve_one(listener, app_pidfd, app) != 0) return 1;
        } else if (p.revents & (POLLHUP | POLLERR)) {
            return 0; /* the app and everything it started have exited */
        }
    }
}

int main(int argc, char **argv)
{
    int i = 1;
    if (i < argc && strcmp(argv[i], "--socket") == 0) { trap = TRAP_SOCKET_AND_CONNECT; i++; }
    else if (i < argc && strcmp(argv[i], "--socket-only") == 0) { trap = TRAP_SOCKET_ONLY; i++; }
    if (i >= argc || strcmp(argv[i], "--") != 0 || i + 1 >= argc) {
        fprintf(stderr, "usage: takeover [--socket | --socket-only] -- COMMAND [ARG...]\n");
        return 2;
    }
    char **command = argv + i + 1;

    int pair[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) { perror("takeover: socketpair"); return 1; }
    pid_t app = getpid();
    pid_t supervisor = fork();
    if (supervisor < 0) { perror("takeover: fork"); return 1; }
    if (supervisor == 0) {
        close(pair[0]);
        /* Detach, so the app's parent never waits for us; we leave when the listener hangs up. */
        if (fork() != 0) _exit(0);
        _exit(supervise(pair[1], app));
    }
    close(pair[1]);
    waitpid(supervisor, NULL, 0);

    int listener = install_filter();
    if (listener < 0) { perror("takeover: seccomp"); return 1; }
    char go = 0;
    if (send_fd(pair[0], listener) != 0 || read(pair[0], &go, 1) != 1 || go != 1) {
        fprintf(stderr, "takeover: the supervisor did not start\n");
        return 1;
    }
    close(listener);
    close(pair[0]);
    execvp(command[0], command);
    fprintf(stderr, "takeover: cannot run %s: %s\n", command[0], strerror(errno));
    return 127;
}
