/*
 * connlat: connect() latency probe for the ax benchmark (bench/run.sh).
 *
 *   connlat serve IP PORT
 *       Listens on IP:PORT (IPv4) and accepts and closes connections until killed.
 *   connlat connect IP PORT COUNT block|nonblock [WARMUP]
 *       Makes WARMUP (default 200) unmeasured and then COUNT measured connections to IP:PORT and prints
 *       one JSON line with percentiles (microseconds) of the time spent connecting:
 *         block:    the time of one blocking connect() call;
 *         nonblock: from connect() (EINPROGRESS) until poll() reports the socket writable and
 *                   SO_ERROR is 0, i.e. until the application can use the connection.
 *       socket() is made before the clock starts; "socket_connect" percentiles include it as well
 *       (under ax socket(AF_INET) is also a trapped call). Each connection is closed with an RST
 *       (SO_LINGER 0) so that a run leaves no TIME_WAIT sockets behind and never runs out of ports.
 *
 * IP is an IPv4 literal, or for connect an IPv6 one (an IPv4-mapped ::ffff:a.b.c.d measures an AF_INET6
 * client of an IPv4 server, as a dual-stack program makes one). Build: gcc -O2 -o connlat connlat.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* An address and its length: sockaddr_in or sockaddr_in6. */
struct addr {
    struct sockaddr_storage ss;
    socklen_t len;
};

static int parse_addr(const char *ip, const char *port, struct addr *a)
{
    memset(a, 0, sizeof(*a));
    struct sockaddr_in *v4 = (struct sockaddr_in *)&a->ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&a->ss;
    if (inet_pton(AF_INET, ip, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((unsigned short)atoi(port));
        a->len = sizeof(*v4);
        return 0;
    }
    if (inet_pton(AF_INET6, ip, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((unsigned short)atoi(port));
        a->len = sizeof(*v6);
        return 0;
    }
    fprintf(stderr, "connlat: '%s' is not an IP address\n", ip);
    return -1;
}

static int serve(const struct addr *sa)
{
    signal(SIGPIPE, SIG_IGN);
    int fd = socket(sa->ss.ss_family, SOCK_STREAM, 0);
    if (fd < 0) { perror("connlat: socket"); return 1; }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, (const struct sockaddr *)&sa->ss, sa->len) != 0) { perror("connlat: bind"); return 1; }
    if (listen(fd, 4096) != 0) { perror("connlat: listen"); return 1; }
    fprintf(stderr, "connlat: listening\n");
    for (;;) {
        int c = accept(fd, NULL, NULL);
        if (c < 0) {
            if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE || errno == ENFILE)
                continue;
            perror("connlat: accept");
            return 1;
        }
        close(c);
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y ? 1 : 0;
}

static double pct(const double *sorted, int n, double p)
{
    /* nearest-rank percentile */
    int rank = (int)(p / 100.0 * n + 0.999999);
    if (rank < 1) rank = 1;
    if (rank > n) rank = n;
    return sorted[rank - 1];
}

/* One connection; returns 0 and the two durations, or -1 with errno-ish message printed. */
static int one_connect(const struct addr *sa, int nonblock, double *connect_us, double *total_us)
{
    double t0 = now_us();
    int fd = socket(sa->ss.ss_family, SOCK_STREAM | (nonblock ? SOCK_NONBLOCK : 0), 0);
    if (fd < 0) { perror("connlat: socket"); return -1; }
    double t1 = now_us();
    int r = connect(fd, (const struct sockaddr *)&sa->ss, sa->len);
    if (r != 0) {
        if (!nonblock || errno != EINPROGRESS) { perror("connlat: connect"); close(fd); return -1; }
        struct pollfd p = { .fd = fd, .events = POLLOUT };
        for (;;) {
            int pr = poll(&p, 1, 5000);
            if (pr > 0) break;
            if (pr == 0) { fprintf(stderr, "connlat: connect timed out\n"); close(fd); return -1; }
            if (errno != EINTR) { perror("connlat: poll"); close(fd); return -1; }
        }
        int err = 0;
        socklen_t len = sizeof(err);
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0) { errno = err; perror("connlat: connect (async)"); close(fd); return -1; }
    }
    double t2 = now_us();
    struct linger lg = { .l_onoff = 1, .l_linger = 0 };
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    close(fd);
    *connect_us = t2 - t1;
    *total_us = t2 - t0;
    return 0;
}

static int run_client(const struct addr *sa, int count, int nonblock, int warmup)
{
    double *c = calloc((size_t)count, sizeof(double));
    double *t = calloc((size_t)count, sizeof(double));
    if (!c || !t) { fprintf(stderr, "connlat: out of memory\n"); return 1; }
    double dummy1, dummy2;
    for (int i = 0; i < warmup; i++)
        if (one_connect(sa, nonblock, &dummy1, &dummy2) != 0) return 1;
    double start = now_us();
    for (int i = 0; i < count; i++)
        if (one_connect(sa, nonblock, &c[i], &t[i]) != 0) return 1;
    double elapsed = now_us() - start;
    double sum = 0;
    for (int i = 0; i < count; i++) sum += c[i];
    qsort(c, (size_t)count, sizeof(double), cmp_double);
    qsort(t, (size_t)count, sizeof(double), cmp_double);
    printf("{\"mode\":\"%s\",\"count\":%d,\"unit\":\"us\","
           "\"connect\":{\"min\":%.2f,\"p50\":%.2f,\"p90\":%.2f,\"p99\":%.2f,\"max\":%.2f,\"mean\":%.2f},"
           "\"socket_connect\":{\"p50\":%.2f,\"p99\":%.2f},"
           "\"connections_per_s\":%.1f}\n",
           nonblock ? "nonblock" : "block", count,
           c[0], pct(c, count, 50), pct(c, count, 90), pct(c, count, 99), c[count - 1], sum / count,
           pct(t, count, 50), pct(t, count, 99),
           count / (elapsed / 1e6));
    free(c);
    free(t);
    return 0;
}

int main(int argc, char **argv)
{
    struct addr sa;
    if (argc == 4 && strcmp(argv[1], "serve") == 0) {
        if (parse_addr(argv[2], argv[3], &sa) != 0) return 2;
        return serve(&sa);
    }
    if ((argc == 6 || argc == 7) && strcmp(argv[1], "connect") == 0) {
        if (parse_addr(argv[2], argv[3], &sa) != 0) return 2;
        int count = atoi(argv[4]);
        int nonblock = strcmp(argv[5], "nonblock") == 0;
        if (!nonblock && strcmp(argv[5], "block") != 0) { fprintf(stderr, "connlat: mode is block or nonblock\n"); return 2; }
        int warmup = argc == 7 ? atoi(argv[6]) : 200;
        if (count < 1) { fprintf(stderr, "connlat: COUNT must be positive\n"); return 2; }
        return run_client(&sa, count, nonblock, warmup);
    }
    fprintf(stderr,
            "usage: connlat serve IP PORT\n"
            "       connlat connect IP PORT COUNT block|nonblock [WARMUP]\n");
    return 2;
}
