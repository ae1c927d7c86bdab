/*
 * bpfconnect: a yardstick for the ax benchmark (bench/run.sh): what connect() would cost if the kernel
 * rewrote a virtual destination itself, with no trap to user space.
 *
 *   bpfconnect CGROUP-DIR VIP:PORT TARGET-IP:PORT REFUSED-PORT
 *
 * Loads a cgroup sock_addr program (BPF_CGROUP_INET4_CONNECT) and attaches it to CGROUP-DIR, a cgroup v2
 * directory; the attachment lasts until the directory is removed. The program runs in the connecting
 * task, inside connect(), for every AF_INET socket made by a process of that cgroup. It does what such a
 * design would do on every connect, nothing more:
 *   - only sockets that carry TAKEOVER_MARK (made by `takeover --socket-only`, the stand-in for the
 *     daemon making app sockets) are looked at;
 *   - the destination is looked up in a hash map of virtual addresses (ip, port);
 *   - the entry's labels, a bit set, must share a bit with the client's (one more map lookup);
 *   - then the destination is rewritten to the entry's server; with no label shared, connect() fails
 *     with ECONNREFUSED (bpf_set_retval, Linux 5.18), as a refused connect under ax does.
 * VIP:PORT leads to TARGET-IP:PORT; VIP:REFUSED-PORT is an entry whose labels the client does not share.
 *
 * Build: gcc -O2 -o bpfconnect bpfconnect.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define TAKEOVER_MARK 0x41580002u /* takeover.c */

/* struct bpf_sock_addr and struct bpf_sock, <linux/bpf.h> */
#define CTX_USER_IP4 4
#define CTX_USER_PORT 24
#define CTX_SK 64
#define SK_MARK 16

#define INSN(code, dst, src, off, imm) ((struct bpf_insn){ (code), (dst), (src), (off), (imm) })
#define MOV_REG(d, s) INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV_IMM(d, imm) INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, imm)
#define ADD_IMM(d, imm) INSN(BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, imm)
#define AND_REG(d, s) INSN(BPF_ALU64 | BPF_AND | BPF_X, d, s, 0, 0)
#define LOAD_DW(d, s, off) INSN(BPF_LDX | BPF_MEM | BPF_DW, d, s, off, 0)
#define LOAD_W(d, s, off) INSN(BPF_LDX | BPF_MEM | BPF_W, d, s, off, 0)
#define STORE_W(d, s, off) INSN(BPF_STX | BPF_MEM | BPF_W, d, s, off, 0)
#define STORE_W_IMM(d, off, imm) INSN(BPF_ST | BPF_MEM | BPF_W, d, 0, off, imm)
#define JEQ_IMM(d, imm, off) INSN(BPF_JMP | BPF_JEQ | BPF_K, d, 0, off, imm)
#define JNE_IMM32(d, imm, off) INSN(BPF_JMP32 | BPF_JNE | BPF_K, d, 0, off, imm)
#define LOAD_MAP(d, fd) INSN(BPF_LD | BPF_DW | BPF_IMM, d, BPF_PSEUDO_MAP_FD, 0, fd), INSN(0, 0, 0, 0, 0)
#define CALL(f) INSN(BPF_JMP | BPF_CALL, 0, 0, 0, f)
#define EXIT() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

struct route { uint32_t ip, port, labels; }; /* network order ip and port, as in bpf_sock_addr */

static long bpf(int cmd, union bpf_attr *attr) { return syscall(SYS_bpf, cmd, attr, sizeof(*attr)); }

static int map_create(uint32_t type, uint32_t key_size, uint32_t value_size)
{
    union bpf_attr a;
    memset(&a, 0, sizeof(a));
    a.map_type = type;
    a.key_size = key_size;
    a.value_size = value_size;
    a.max_entries = 64;
    return (int)bpf(BPF_MAP_CREATE, &a);
}

static int map_put(int map, const void *key, const void *value)
{
    union bpf_attr a;
    memset(&a, 0, sizeof(a));
    a.map_fd = (uint32_t)map;
    a.key = (uintptr_t)key;
    a.value = (uintptr_t)value;
    return (int)bpf(BPF_MAP_UPDATE_ELEM, &a);
}

static int parse_endpoint(const char *text, uint32_t *ip, uint32_t *port)
{
    char buf[64];
    const char *colon = strrchr(text, ':');
    if (!colon || (size_t)(colon - text) >= sizeof(buf)) return -1;
    memcpy(buf, text, (size_t)(colon - text));
    buf[colon - text] = 0;
    struct in_addr addr;
    if (inet_pton(AF_INET, buf, &addr) != 1) return -1;
    *ip = addr.s_addr;
    *port = htons((uint16_t)atoi(colon + 1));
    return 0;
}

int main(int argc, char **argv)
{
    uint32_t vip, vport, tip, tport;
    if (argc != 5 || parse_endpoint(argv[2], &vip, &vport) || parse_endpoint(argv[3], &tip, &tport)) {
        fprintf(stderr, "usage: bpfconnect CGROUP-DIR VIP:PORT TARGET-IP:PORT REFUSED-PORT\n");
        return 2;
    }
    int routes = map_create(BPF_MAP_TYPE_HASH, 8, sizeof(struct route));
    int clients = map_create(BPF_MAP_TYPE_ARRAY, 4, 4);
    if (routes < 0 || clients < 0) { perror("bpfconnect: BPF_MAP_CREATE"); return 1; }
    uint32_t key[2] = { vip, vport }, refused_key[2] = { vip, htons((uint16_t)atoi(argv[4])) };
    struct route allowed = { tip, tport, 1u }, refused = { tip, tport, 2u };
    uint32_t client = 0, client_labels = 1u;
    if (map_put(routes, key, &allowed) || map_put(routes, refused_key, &refused) || map_put(clients, &client, &client_labels)) {
        perror("bpfconnect: BPF_MAP_UPDATE_ELEM");
        return 1;
    }

    struct bpf_insn prog[] = {
        /* 0 */ MOV_REG(6, 1),
        /* 1 */ LOAD_DW(2, 6, CTX_SK),
        /* 2 */ JEQ_IMM(2, 0, 28),                     /* -> allow (31) */
        /* 3 */ LOAD_W(3, 2, SK_MARK),
        /* 4 */ JNE_IMM32(3, TAKEOVER_MARK, 26),       /* not an app socket -> allow */
        /* 5 */ LOAD_W(2, 6, CTX_USER_IP4),
        /* 6 */ LOAD_W(3, 6, CTX_USER_PORT),
        /* 7 */ STORE_W(10, 2, -8),
        /* 8 */ STORE_W(10, 3, -4),
        /* 9 */ LOAD_MAP(1, routes),
        /* 11 */ MOV_REG(2, 10),
        /* 12 */ ADD_IMM(2, -8),
        /* 13 */ CALL(BPF_FUNC_map_lookup_elem),
        /* 14 */ JEQ_IMM(0, 0, 16),                    /* not a virtual address -> allow */
        /* 15 */ MOV_REG(7, 0),
        /* 16 */ STORE_W_IMM(10, -12, 0),              /* the client's slot */
        /* 17 */ LOAD_MAP(1, clients),
        /* 19 */ MOV_REG(2, 10),
        /* 20 */ ADD_IMM(2, -12),
        /* 21 */ CALL(BPF_FUNC_map_lookup_elem),
        /* 22 */ JEQ_IMM(0, 0, 10),                    /* -> refuse (33) */
        /* 23 */ LOAD_W(2, 0, 0),
        /* 24 */ LOAD_W(3, 7, 8),
        /* 25 */ AND_REG(2, 3),
        /* 26 */ JEQ_IMM(2, 0, 6),                     /* no label shared -> refuse */
        /* 27 */ LOAD_W(2, 7, 0),
        /* 28 */ STORE_W(6, 2, CTX_USER_IP4),
        /* 29 */ LOAD_W(2, 7, 4),
        /* 30 */ STORE_W(6, 2, CTX_USER_PORT),
        /* allow */
        /* 31 */ MOV_IMM(0, 1),
        /* 32 */ EXIT(),
        /* refuse */
        /* 33 */ MOV_IMM(1, -ECONNREFUSED),
        /* 34 */ CALL(BPF_FUNC_set_retval),
        /* 35 */ MOV_IMM(0, 0),
        /* 36 */ EXIT(),
    };
    static char log[65536];
    union bpf_attr a;
    memset(&a, 0, sizeof(a));
    a.prog_type = BPF_PROG_TYPE_CGROUP_SOCK_ADDR;
    a.expected_attach_type = BPF_CGROUP_INET4_CONNECT;
    a.insns = (uintptr_t)prog;
    a.insn_cnt = sizeof(prog) / sizeof(prog[0]);
    a.license = (uintptr_t)"GPL";
    a.log_buf = (uintptr_t)log;
    a.log_size = sizeof(log);
    a.log_level = 1;
    int program = (int)bpf(BPF_PROG_LOAD, &a);
    if (program < 0) { perror("bpfconnect: BPF_PROG_LOAD"); fputs(log, stderr); return 1; }
    int cgroup = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (cgroup < 0) { perror("bpfconnect: cgroup directory"); return 1; }
    memset(&a, 0, sizeof(a));
    a.target_fd = (uint32_t)cgroup;
    a.attach_bpf_fd = (uint32_t)program;
    a.attach_type = BPF_CGROUP_INET4_CONNECT;
    if (bpf(BPF_PROG_ATTACH, &a) != 0) { perror("bpfconnect: BPF_PROG_ATTACH"); return 1; }
    return 0;
}
