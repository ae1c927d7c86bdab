/*
 * syscall_paths: an app that connects, binds and listens on its sockets by the system-call paths other than
 * the x86-64 entry, to prove none of them gets past ax's decision. Prints one JSON object: what each step
 * answered ("OK" or the errno's name), and "reply", the first line the server sent, when a connect got
 * through. Usage:
 *   syscall_paths connect IP PORT            plain x86-64 connect (the path ax routes), then an HTTP GET
 *   syscall_paths uring-connect IP PORT      io_uring IORING_OP_CONNECT, then an HTTP GET
 *   syscall_paths uring-listen PORT SECONDS  io_uring IORING_OP_BIND to 0.0.0.0:PORT and IORING_OP_LISTEN
 *                                            (Linux >= 6.11), then accepts for SECONDS
 *   syscall_paths int80-connect IP PORT      the i386 entry (int $0x80), connect = 362, then an HTTP GET
 *   syscall_paths int80-listen PORT SECONDS  the i386 entry, bind = 361 and listen = 363, then accepts
 *   syscall_paths socketcall-connect IP PORT the i386 entry, socketcall(SYS_CONNECT), then an HTTP GET
 *   syscall_paths int80-uring                the i386 entry, io_uring_setup = 425
 * Every socket is made by an ordinary socket(AF_INET) call, so under ax it is the node socket the daemon
 * installed: the one an unchecked connect or bind would put on the node's network.
 * Raw system calls only: no liburing (Debian 12 ships none new enough to name IORING_OP_BIND).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/io_uring.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

/* <linux/io_uring.h> of Linux 6.11; Debian 12's headers (6.1) stop before them. */
#define OP_BIND 56
#define OP_LISTEN 57

/* arch/x86/entry/syscalls/syscall_32.tbl and <linux/net.h> */
#define I386_SOCKETCALL 102
#define I386_BIND 361
#define I386_CONNECT 362
#define I386_LISTEN 363
#define I386_IO_URING_SETUP 425
#define SYS_CONNECT_CALL 3

static char report[4096];

static void add(const char *key, const char *value) {
    size_t used = strlen(report);
    snprintf(report + used, sizeof report - used, "%s\"%s\":\"%s\"", used > 1 ? "," : "", key, value);
}

static void add_result(const char *key, long result) {
    add(key, result >= 0 ? "OK" : strerrorname_np((int)-result));
}

static void finish(void) {
    printf("%s}\n", report);
    fflush(stdout);
}

/* The i386 system-call entry from this 64-bit process. The kernel reads 32-bit registers, so every
 * pointer passed must lie below 4 GiB (low_memory). */
static long int80(long nr, long a, long b, long c) {
    long result;
    __asm__ volatile("int $0x80"
                     : "=a"(result)
                     : "a"(nr), "b"(a), "c"(b), "d"(c)
                     : "memory", "r8", "r9", "r10", "r11");
    return (int)result;
}

static void *low_memory(void) {
    void *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
    if (page == MAP_FAILED) {
        perror("mmap(MAP_32BIT)");
        exit(2);
    }
    return page;
}

static struct sockaddr_in address(const char *ip, const char *port) {
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port))};
    if (inet_pton(AF_INET, ip, &sin.sin_addr) != 1) {
        fprintf(stderr, "not an IPv4 address: %s\n", ip);
        exit(2);
    }
    return sin;
}

static int node_socket(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        perror("socket");
        exit(2);
    }
    return fd;
}

/* After a connect got through: what the server answers to a GET, read with plain read/write. */
static void fetch(int fd) {
    static const char request[] = "GET / HTTP/1.0\r\n\r\n";
    char reply[512] = {0};
    if (write(fd, request, sizeof request - 1) < 0) {
        add_result("write", -errno);
        return;
    }
    size_t got = 0;
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    while (got < sizeof reply - 1 && poll(&pfd, 1, 5000) == 1) {
        ssize_t n = read(fd, reply + got, sizeof reply - 1 - got);
        if (n <= 0) {
            break;
        }
        got += (size_t)n;
    }
    /* The body's last line is the served text; keep only printable characters for the JSON. */
    char *text = strstr(reply, "\r\n\r\n");
    text = text != NULL ? text + 4 : reply;
    for (char *c = text; *c != '\0'; c++) {
        if (*c < 0x20 || *c == '"' || *c == '\\') {
            *c = ' ';
        }
    }
    add("reply", text);
}

/* After a listen got through: take connections for a while, so a client on the node can show it reached us. */
static void serve(int fd, int seconds) {
    finish();
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    while (poll(&pfd, 1, seconds * 1000) == 1) {
        int client = accept(fd, NULL, NULL);
        if (client >= 0) {
            printf("accepted\n");
            fflush(stdout);
            close(client);
        }
    }
    exit(0);
}

struct ring {
    int fd;
    unsigned *sq_tail, *sq_mask, *sq_array, *cq_head, *cq_tail, *cq_mask;
    struct io_uring_sqe *sqes;
    struct io_uring_cqe *cqes;
};

/* io_uring_setup(2) and the three mappings it describes; returns 0 or -errno. */
static long ring_open(struct ring *ring) {
    struct io_uring_params params;
    memset(&params, 0, sizeof params);
    long fd = syscall(__NR_io_uring_setup, 4, &params);
    if (fd < 0) {
        return -errno;
    }
    ring->fd = (int)fd;
    size_t sq_size = params.sq_off.array + params.sq_entries * sizeof(unsigned);
    size_t cq_size = params.cq_off.cqes + params.cq_entries * sizeof(struct io_uring_cqe);
    char *sq = mmap(NULL, sq_size > cq_size ? sq_size : cq_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
                    ring->fd, IORING_OFF_SQ_RING);
    char *cq = sq; /* IORING_FEAT_SINGLE_MMAP, Linux 5.4 */
    ring->sqes = mmap(NULL, params.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE,
                      MAP_SHARED | MAP_POPULATE, ring->fd, IORING_OFF_SQES);
    if (sq == MAP_FAILED || ring->sqes == MAP_FAILED || !(params.features & IORING_FEAT_SINGLE_MMAP)) {
        perror("io_uring mmap");
        exit(2);
    }
    ring->sq_tail = (unsigned *)(sq + params.sq_off.tail);
    ring->sq_mask = (unsigned *)(sq + params.sq_off.ring_mask);
    ring->sq_array = (unsigned *)(sq + params.sq_off.array);
    ring->cq_head = (unsigned *)(cq + params.cq_off.head);
    ring->cq_tail = (unsigned *)(cq + params.cq_off.tail);
    ring->cq_mask = (unsigned *)(cq + params.cq_off.ring_mask);
    ring->cqes = (struct io_uring_cqe *)(cq + params.cq_off.cqes);
    return 0;
}

/* Submits one operation and waits for its completion; returns its result (>= 0 or -errno). */
static long ring_run(struct ring *ring, uint8_t opcode, int fd, const void *addr, uint32_t len, uint64_t off) {
    unsigned tail = *ring->sq_tail;
    unsigned index = tail & *ring->sq_mask;
    struct io_uring_sqe *sqe = &ring->sqes[index];
    memset(sqe, 0, sizeof *sqe);
    sqe->opcode = opcode;
    sqe->fd = fd;
    sqe->addr = (uint64_t)(uintptr_t)addr;
    sqe->len = len;
    sqe->off = off;
    ring->sq_array[index] = index;
    __atomic_store_n(ring->sq_tail, tail + 1, __ATOMIC_RELEASE);
    if (syscall(__NR_io_uring_enter, ring->fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0) {
        return -errno;
    }
    unsigned head = *ring->cq_head;
    if (head == __atomic_load_n(ring->cq_tail, __ATOMIC_ACQUIRE)) {
        return -EAGAIN;
    }
    long result = ring->cqes[head & *ring->cq_mask].res;
    __atomic_store_n(ring->cq_head, head + 1, __ATOMIC_RELEASE);
    return result;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: syscall_paths ATTEMPT ARGS (see the source)\n");
        return 2;
    }
    const char *attempt = argv[1];
    strcpy(report, "{");
    struct ring ring;

    if (strcmp(attempt, "connect") == 0 && argc == 4) {
        struct sockaddr_in to = address(argv[2], argv[3]);
        int fd = node_socket();
        long result = connect(fd, (struct sockaddr *)&to, sizeof to) == 0 ? 0 : -errno;
        add_result("connect", result);
        if (result == 0) {
            fetch(fd);
        }
    } else if (strcmp(attempt, "uring-connect") == 0 && argc == 4) {
        struct sockaddr_in to = address(argv[2], argv[3]);
        int fd = node_socket();
        long result = ring_open(&ring);
        add_result("setup", result);
        if (result == 0) {
            result = ring_run(&ring, IORING_OP_CONNECT, fd, &to, 0, sizeof to);
            add_result("connect", result);
            if (result == 0) {
                fetch(fd);
            }
        }
    } else if (strcmp(attempt, "uring-listen") == 0 && argc == 4) {
        struct sockaddr_in any = address("0.0.0.0", argv[2]);
        int fd = node_socket();
        long result = ring_open(&ring);
        add_result("setup", result);
        if (result == 0) {
            result = ring_run(&ring, OP_BIND, fd, &any, 0, sizeof any);
            add_result("bind", result);
            if (result == 0) {
                result = ring_run(&ring, OP_LISTEN, fd, NULL, 16, 0);
                add_result("listen", result);
                if (result == 0) {
                    serve(fd, atoi(argv[3]));
                }
            }
        }
    } else if (strcmp(attempt, "int80-connect") == 0 && argc == 4) {
        struct sockaddr_in *to = low_memory();
        *to = address(argv[2], argv[3]);
        int fd = node_socket();
        long result = int80(I386_CONNECT, fd, (long)(uintptr_t)to, sizeof *to);
        add_result("connect", result);
        if (result == 0) {
            fetch(fd);
        }
    } else if (strcmp(attempt, "int80-listen") == 0 && argc == 4) {
        struct sockaddr_in *any = low_memory();
        *any = address("0.0.0.0", argv[2]);
        int fd = node_socket();
        long result = int80(I386_BIND, fd, (long)(uintptr_t)any, sizeof *any);
        add_result("bind", result);
        if (result == 0) {
            result = int80(I386_LISTEN, fd, 16, 0);
            add_result("listen", result);
            if (result == 0) {
                serve(fd, atoi(argv[3]));
            }
        }
    } else if (strcmp(attempt, "socketcall-connect") == 0 && argc == 4) {
        char *page = low_memory();
        struct sockaddr_in *to = (struct sockaddr_in *)page;
        uint32_t *args = (uint32_t *)(page + 64);
        *to = address(argv[2], argv[3]);
        int fd = node_socket();
        args[0] = (uint32_t)fd;
        args[1] = (uint32_t)(uintptr_t)to;
        args[2] = sizeof *to;
        long result = int80(I386_SOCKETCALL, SYS_CONNECT_CALL, (long)(uintptr_t)args, 0);
        add_result("connect", result);
        if (result == 0) {
            fetch(fd);
        }
    } else if (strcmp(attempt, "int80-uring") == 0 && argc == 2) {
        struct io_uring_params *params = low_memory();
        long result = int80(I386_IO_URING_SETUP, 4, (long)(uintptr_t)params, 0);
        add_result("setup", result);
    } else {
        fprintf(stderr, "syscall_paths: unknown attempt or wrong arguments: %s\n", attempt);
        return 2;
    }

    finish();
    return 0;
}
