/*
 * stunload: a STUN Binding load generator for comparing servers on one machine.
 *
 *   stunload [-tcp] [-t SECONDS] [-s SOCKETS] [-w WINDOW] HOST PORT
 *
 * Opens SOCKETS connected sockets (UDP, or TCP connections with -tcp), keeps WINDOW Binding
 * requests in flight on each (a closed loop per slot: the next request leaves when the answer
 * to the previous one arrived), and checks every answer: a Binding success response to a
 * transaction of ours whose XOR-MAPPED-ADDRESS is the socket's own address. A UDP request
 * unanswered for 200 ms is counted lost and replaced. Batches with sendmmsg/recvmmsg so that the
 * generator costs little CPU, and reports its own CPU time so that this can be checked.
 *
 * Prints one line: ok=<answers> rps=<answers/s> bad=<wrong answers> lost=<timeouts>
 * late=<answers that came after their request was counted lost> gen_cpu_us_per_req=<generator
 * CPU per answer>. Exits 1 when any answer was wrong.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define COOKIE 0x2112A442u
#define BATCH 64
#define MAXW 256

struct sock {
    int fd;
    uint32_t laddr; /* network order */
    uint16_t lport; /* host order */
    uint32_t seq[MAXW];
    double sent_at[MAXW];
    unsigned char rbuf[1 << 16]; /* TCP reassembly */
    int rlen;
};

static int tcp_mode, window = 16, nsock = 16;
static double duration = 5;
static long ok, bad, lost, late;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

/* Request: type 0x0001, length 0, cookie, txid = socket index | slot | sequence. */
static void build(unsigned char *b, int si, int slot, uint32_t seq) {
    memset(b, 0, 20);
    b[1] = 1;
    uint32_t c = htonl(COOKIE), a = htonl((uint32_t)si), s = htonl((uint32_t)slot), q = htonl(seq);
    memcpy(b + 4, &c, 4);
    memcpy(b + 8, &a, 4);
    memcpy(b + 12, &s, 4);
    memcpy(b + 16, &q, 4);
}

/* Checks one answer; returns its slot, or -1 when it is not a correct answer to a live request. */
static int check(struct sock *s, int si, const unsigned char *b, int n) {
    if (n < 20 || b[0] != 0x01 || b[1] != 0x01) return -1;
    int len = (b[2] << 8) | b[3];
    if (len + 20 != n) return -1;
    uint32_t c, a, sl, q;
    memcpy(&c, b + 4, 4); memcpy(&a, b + 8, 4); memcpy(&sl, b + 12, 4); memcpy(&q, b + 16, 4);
    if (ntohl(c) != COOKIE || (int)ntohl(a) != si) return -1;
    int slot = (int)ntohl(sl);
    if (slot < 0 || slot >= window) return -1;
    if (ntohl(q) != s->seq[slot]) {
        /* An answer to a request already counted lost and replaced: late, not wrong. */
        if (ntohl(q) < s->seq[slot]) return -2;
        return -1;
    }
    for (int p = 20; p + 4 <= n;) {
        int at = (b[p] << 8) | b[p + 1], al = (b[p + 2] << 8) | b[p + 3];
        if (at == 0x0020 && al == 8 && p + 12 <= n) {
            uint16_t port = (uint16_t)(((b[p + 6] << 8) | b[p + 7]) ^ (COOKIE >> 16));
            uint32_t addr;
            memcpy(&addr, b + p + 8, 4);
            addr ^= htonl(COOKIE);
            return (port == s->lport && addr == s->laddr) ? slot : -1;
        }
        p += 4 + ((al + 3) & ~3);
    }
    return -1;
}

int main(int argc, char **argv) {
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "-tcp")) tcp_mode = 1;
        else if (!strcmp(argv[i], "-t") && i + 1 < argc) duration = atof(argv[++i]);
        else if (!strcmp(argv[i], "-s") && i + 1 < argc) nsock = atoi(argv[++i]);
        else if (!strcmp(argv[i], "-w") && i + 1 < argc) window = atoi(argv[++i]);
        else break;
    }
    if (argc - i != 2 || window < 1 || window > MAXW || nsock < 1) {
        fprintf(stderr, "usage: stunload [-tcp] [-t SECONDS] [-s SOCKETS] [-w WINDOW<=%d] HOST PORT\n", MAXW);
        return 2;
    }
    struct sockaddr_in srv = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[i + 1]))};
    if (inet_pton(AF_INET, argv[i], &srv.sin_addr) != 1) {
        fprintf(stderr, "stunload: HOST must be an IPv4 address\n");
        return 2;
    }
    struct sock *socks = calloc((size_t)nsock, sizeof *socks);
    int ep = epoll_create1(0);
    for (int k = 0; k < nsock; k++) {
        struct sock *s = &socks[k];
        s->fd = socket(AF_INET, tcp_mode ? SOCK_STREAM : SOCK_DGRAM, 0);
        if (tcp_mode) {
            int one = 1;
            setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        }
        if (connect(s->fd, (struct sockaddr *)&srv, sizeof srv) < 0) {
            perror("stunload: connect");
            return 1;
        }
        struct sockaddr_in l;
        socklen_t ll = sizeof l;
        getsockname(s->fd, (struct sockaddr *)&l, &ll);
        s->laddr = l.sin_addr.s_addr;
        s->lport = ntohs(l.sin_port);
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)k};
        epoll_ctl(ep, EPOLL_CTL_ADD, s->fd, &ev);
        unsigned char all[MAXW * 20];
        double t = now();
        for (int w = 0; w < window; w++) {
            s->seq[w] = 1;
            s->sent_at[w] = t;
            build(all + w * 20, k, w, 1);
        }
        if (tcp_mode && send(s->fd, all, (size_t)window * 20, 0) < 0) {
            perror("stunload: send");
            return 1;
        }
    }
    if (!tcp_mode) {
        /* The first window of each socket, one datagram per request. */
        for (int k = 0; k < nsock; k++) {
            struct mmsghdr mm[MAXW];
            struct iovec iov[MAXW];
            unsigned char req[MAXW][20];
            for (int w = 0; w < window; w++) {
                build(req[w], k, w, socks[k].seq[w]);
                iov[w].iov_base = req[w];
                iov[w].iov_len = 20;
                memset(&mm[w], 0, sizeof mm[w]);
                mm[w].msg_hdr.msg_iov = &iov[w];
                mm[w].msg_hdr.msg_iovlen = 1;
            }
            sendmmsg(socks[k].fd, mm, (unsigned)window, 0);
        }
    }
    struct rusage r0;
    getrusage(RUSAGE_SELF, &r0);
    double start = now(), end = start + duration, lastsweep = start;
    struct epoll_event evs[256];
    static unsigned char rb[BATCH][2048];
    while (now() < end) {
        int n = epoll_wait(ep, evs, 256, 50);
        double t = now();
        for (int e = 0; e < n; e++) {
            int k = (int)evs[e].data.u32;
            struct sock *s = &socks[k];
            unsigned char out[BATCH * 20];
            int nout = 0;
            if (!tcp_mode) {
                struct mmsghdr mm[BATCH];
                struct iovec iov[BATCH];
                for (int m = 0; m < BATCH; m++) {
                    iov[m].iov_base = rb[m];
                    iov[m].iov_len = sizeof rb[m];
                    memset(&mm[m], 0, sizeof mm[m]);
                    mm[m].msg_hdr.msg_iov = &iov[m];
                    mm[m].msg_hdr.msg_iovlen = 1;
                }
                int got = recvmmsg(s->fd, mm, BATCH, MSG_DONTWAIT, NULL);
                for (int m = 0; m < got; m++) {
                    int slot = check(s, k, rb[m], (int)mm[m].msg_len);
                    if (slot == -2) { late++; continue; }
                    if (slot < 0) { bad++; continue; }
                    ok++;
                    s->seq[slot]++;
                    s->sent_at[slot] = t;
                    build(out + nout * 20, k, slot, s->seq[slot]);
                    nout++;
                }
                if (nout) {
                    struct mmsghdr sm[BATCH];
                    struct iovec siov[BATCH];
                    for (int m = 0; m < nout; m++) {
                        siov[m].iov_base = out + m * 20;
                        siov[m].iov_len = 20;
                        memset(&sm[m], 0, sizeof sm[m]);
                        sm[m].msg_hdr.msg_iov = &siov[m];
                        sm[m].msg_hdr.msg_iovlen = 1;
                    }
                    sendmmsg(s->fd, sm, (unsigned)nout, 0);
                }
            } else {
                ssize_t got = recv(s->fd, s->rbuf + s->rlen, sizeof s->rbuf - (size_t)s->rlen, MSG_DONTWAIT);
                if (got <= 0) {
                    if (got == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
                        fprintf(stderr, "stunload: connection %d closed\n", k);
                        return 1;
                    }
                    continue;
                }
                s->rlen += (int)got;
                int p = 0;
                unsigned char tout[MAXW * 20];
                int tn = 0;
                while (s->rlen - p >= 20) {
                    int len = (s->rbuf[p + 2] << 8) | s->rbuf[p + 3];
                    if (s->rlen - p < 20 + len) break;
                    int slot = check(s, k, s->rbuf + p, 20 + len);
                    p += 20 + len;
                    if (slot < 0) { bad++; continue; }
                    ok++;
                    s->seq[slot]++;
                    build(tout + tn * 20, k, slot, s->seq[slot]);
                    tn++;
                }
                memmove(s->rbuf, s->rbuf + p, (size_t)(s->rlen - p));
                s->rlen -= p;
                if (tn && send(s->fd, tout, (size_t)tn * 20, 0) < 0) {
                    perror("stunload: send");
                    return 1;
                }
            }
        }
        if (!tcp_mode && t - lastsweep > 0.05) {
            /* Requests lost on the way (or answers dropped by a full socket): count and replace. */
            lastsweep = t;
            for (int k = 0; k < nsock; k++) {
                for (int w = 0; w < window; w++) {
                    if (t - socks[k].sent_at[w] > 0.2) {
                        lost++;
                        socks[k].seq[w]++;
                        socks[k].sent_at[w] = t;
                        unsigned char req[20];
                        build(req, k, w, socks[k].seq[w]);
                        send(socks[k].fd, req, 20, 0);
                    }
                }
            }
        }
    }
    double elapsed = now() - start;
    struct rusage r1;
    getrusage(RUSAGE_SELF, &r1);
    double cpu = (r1.ru_utime.tv_sec - r0.ru_utime.tv_sec) + (r1.ru_utime.tv_usec - r0.ru_utime.tv_usec) / 1e6
            + (r1.ru_stime.tv_sec - r0.ru_stime.tv_sec) + (r1.ru_stime.tv_usec - r0.ru_stime.tv_usec) / 1e6;
    printf("ok=%ld rps=%.0f bad=%ld lost=%ld late=%ld gen_cpu_us_per_req=%.2f elapsed=%.2f\n", ok, ok / elapsed, bad, lost, late,
           ok ? cpu * 1e6 / ok : 0.0, elapsed);
    return bad ? 1 : 0;
}
