/*
 * hostile: an app that abuses every system call ax traps, to prove the daemon survives it.
 * Threads issue socket/bind/connect/listen/getsockname/getpeername/sendto with garbage: bad pointers,
 * absurd lengths, unknown families, huge and negative descriptors, while descriptors are closed
 * under their feet, signals interrupt the calls, and forked children are killed mid-call.
 * Well-formed calls are mixed in (listeners on real ports, connects to the served 1.1.1.1:8000) so that
 * the daemon's service table, its port pool and its connect waiter are exercised while the garbage flies.
 * Usage: hostile SECONDS THREADS
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>

static volatile int stop;
static void *unmapped;
static unsigned long calls;

static uint32_t next_random(uint32_t *state) {
    *state ^= *state << 13;
    *state ^= *state >> 17;
    *state ^= *state << 5;
    return *state;
}

static void *garbage_pointer(uint32_t *rng, char *buffer) {
    switch (next_random(rng) % 6) {
    case 0: return NULL;
    case 1: return (void *)1;
    case 2: return unmapped;
    case 3: return (void *)0xffffffffffff0000ull;
    default: return buffer;
    }
}

static long garbage_length(uint32_t *rng) {
    static const long lengths[] = {0, 1, 2, 15, 16, 17, 110, 128, 4096, -1, 0x7fffffff, 0x80000000l};
    return lengths[next_random(rng) % (sizeof lengths / sizeof lengths[0])];
}

static int garbage_fd(uint32_t *rng, int recent) {
    switch (next_random(rng) % 8) {
    case 0: return -1;
    case 1: return 1 << 30;
    case 2: return (int)(next_random(rng) % 64);
    case 3: return 0x7fffffff;
    case 4: return (int)(1024 + next_random(rng) % (1 << 20)); /* above any rlimit */
    default: return recent;
    }
}

static void fill(uint32_t *rng, char *buffer, size_t size) {
    for (size_t i = 0; i < size; i++) buffer[i] = (char)next_random(rng);
    if (next_random(rng) % 2) {
        struct sockaddr_in *in = (struct sockaddr_in *)buffer;
        in->sin_family = (next_random(rng) % 3) ? AF_INET : (sa_family_t)next_random(rng);
    }
}

static void *abuse(void *arg) {
    uint32_t rng = (uint32_t)(uintptr_t)arg * 2654435761u + (uint32_t)getpid();
    char buffer[256];
    int recent = -1;
    while (!stop) {
        fill(&rng, buffer, sizeof buffer);
        int fd = garbage_fd(&rng, recent);
        void *pointer = garbage_pointer(&rng, buffer);
        long length = garbage_length(&rng);
        switch (next_random(&rng) % 11) {
        case 0: {
            int domain = (next_random(&rng) % 4) ? AF_INET : (int)(next_random(&rng) % 64);
            int type = (int)(next_random(&rng) % 4) | ((next_random(&rng) % 2) ? SOCK_NONBLOCK : 0);
            int s = (int)syscall(SYS_socket, domain, type, (int)(next_random(&rng) % 3) * 6);
            if (s >= 0) {
                if (recent >= 0 && next_random(&rng) % 2) close(recent);
                recent = s;
            }
            break;
        }
        case 1: syscall(SYS_bind, fd, pointer, length); break;
        case 2: syscall(SYS_connect, fd, pointer, length); break;
        case 3: syscall(SYS_listen, fd, (int)next_random(&rng)); break;
        case 4: syscall(SYS_getsockname, fd, pointer, garbage_pointer(&rng, buffer + 128)); break;
        case 5: syscall(SYS_getpeername, fd, pointer, garbage_pointer(&rng, buffer + 128)); break;
        case 6: if (recent >= 0) { close(recent); recent = -1; } break;
        case 9:
            /* sendto with an address is trapped too: garbage data, lengths, flags and addresses. */
            syscall(SYS_sendto, fd, garbage_pointer(&rng, buffer), garbage_length(&rng),
                    (int)(next_random(&rng) % 2 ? MSG_DONTWAIT : (int)next_random(&rng)), pointer, length);
            break;
        case 7: {
            /* A well-formed listener on a random port: a service the daemon must forget when we die. */
            int s = socket(AF_INET, SOCK_STREAM, 0);
            struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = htons(1 + next_random(&rng) % 65535)};
            if (s >= 0 && bind(s, (struct sockaddr *)&in, sizeof in) == 0) listen(s, 16);
            if (s >= 0 && next_random(&rng) % 4 == 0) close(s); /* the others stay open until exit */
            break;
        }
        case 8: {
            /* A blocking connect to the served 1.1.1.1:8000: signals land while the daemon waits for it. */
            int s = socket(AF_INET, SOCK_STREAM, 0);
            struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = htons(8000), .sin_addr.s_addr = htonl(0x01010101u)};
            if (s >= 0) {
                connect(s, (struct sockaddr *)&in, sizeof in);
                close(s);
            }
            break;
        }
        default: {
            /* A well-formed connect to a port on a virtual IP that nothing serves. */
            struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = htons(1 + next_random(&rng) % 1024),
                                     .sin_addr.s_addr = htonl(0x01010101u)};
            syscall(SYS_connect, recent, &in, sizeof in);
            break;
        }
        }
        __atomic_fetch_add(&calls, 1, __ATOMIC_RELAXED);
    }
    if (recent >= 0) close(recent);
    return NULL;
}

static void on_signal(int sig) { (void)sig; }

static void run(int seconds, int threads, int kill_children) {
    pthread_t ids[64];
    if (threads > 64) threads = 64;
    for (int i = 0; i < threads; i++) pthread_create(&ids[i], NULL, abuse, (void *)(uintptr_t)(i + 1));
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    unsigned round = 0;
    do {
        usleep(20000);
        /* Interrupt trapped calls in flight: no SA_RESTART, so they return EINTR or restart. */
        for (int i = 0; i < threads; i++) pthread_kill(ids[i], SIGUSR1);
        if (kill_children && round++ % 5 == 0) {
            pid_t parent = getpid();
            pid_t child = fork();
            if (child == 0) {
                /* Part of the app: when the app is killed while this child lives, the child goes too,
                   instead of running on alone for a minute as an orphan (it would rightly keep the
                   app's services in the daemon's table). */
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                if (getppid() != parent) _exit(0);
                stop = 0;
                run(60, 4, 0);
                _exit(0);
            }
            if (child > 0) {
                usleep(5000 + (round * 7919) % 30000);
                kill(child, SIGKILL); /* killed in the middle of its calls */
                waitpid(child, NULL, 0);
            }
        }
        clock_gettime(CLOCK_MONOTONIC, &now);
    } while (now.tv_sec - start.tv_sec < seconds);
    stop = 1;
    for (int i = 0; i < threads; i++) pthread_join(ids[i], NULL);
}

int main(int argc, char **argv) {
    int seconds = argc > 1 ? atoi(argv[1]) : 5;
    int threads = argc > 2 ? atoi(argv[2]) : 8;
    struct sigaction action = {.sa_handler = on_signal};
    sigaction(SIGUSR1, &action, NULL);
    signal(SIGPIPE, SIG_IGN);
    unmapped = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(unmapped, 4096);
    run(seconds, threads, 1);
    printf("hostile: %lu calls\n", calls);
    return 0;
}
