/* Raw Ethernet frames over AF_PACKET: send, receive, send-and-receive-back, echo. */
#define _GNU_SOURCE
#include "nettool.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_FRAME 65536
#define BAD_FRAMES_LOGGED 5
/* A full window with nothing coming back for this long: the frames in flight are written off as lost,
 * so one lost frame costs a pause instead of stalling the run. */
#define WRITE_OFF_US 200000
/* Everything sent and nothing received for this long: nothing more is coming. */
#define LINGER_US 1000000

static const uint8_t k_default_peer[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };

struct link {
    int fd;
    uint8_t mac[6];
};

/* A packet socket bound to one interface that sees only frames of our EtherType (so not its own
 * outgoing copies, which only ETH_P_ALL sockets get). */
static int link_open(const char *ifname, struct link *l)
{
    unsigned ifindex = if_nametoindex(ifname);
    if (ifindex == 0) {
        fprintf(stderr, "nettool: no interface %s: %s\n", ifname, strerror(errno));
        return -1;
    }
    l->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(NETTOOL_ETHERTYPE));
    if (l->fd < 0) {
        fprintf(stderr, "nettool: socket(AF_PACKET): %s\n", strerror(errno));
        return -1;
    }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", ifname);
    if (ioctl(l->fd, SIOCGIFHWADDR, &ifr) < 0) {
        fprintf(stderr, "nettool: SIOCGIFHWADDR %s: %s\n", ifname, strerror(errno));
        close(l->fd);
        return -1;
    }
    memcpy(l->mac, ifr.ifr_hwaddr.sa_data, 6);
    struct sockaddr_ll sll = {
        .sll_family = AF_PACKET,
        .sll_protocol = htons(NETTOOL_ETHERTYPE),
        .sll_ifindex = (int)ifindex,
    };
    if (bind(l->fd, (struct sockaddr *)&sll, sizeof sll) < 0) {
        fprintf(stderr, "nettool: bind(AF_PACKET, %s): %s\n", ifname, strerror(errno));
        close(l->fd);
        return -1;
    }
    /* A slow (emulated) guest may be scheduled out while a burst arrives; the force variant ignores rmem_max. */
    int rcvbuf = 4 << 20;
    setsockopt(l->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf);
    return 0;
}

static void frame_build(uint8_t *f, size_t size, const uint8_t dst[6], const uint8_t src[6], uint16_t stream, uint32_t seq)
{
    memcpy(f, dst, 6);
    memcpy(f + 6, src, 6);
    f[12] = NETTOOL_ETHERTYPE >> 8;
    f[13] = NETTOOL_ETHERTYPE & 0xff;
    payload_fill(f + NETTOOL_ETH_HLEN, size - NETTOOL_ETH_HLEN, stream, seq);
}

/* Ours and intact: our EtherType and payload, the stream asked for, the exact size (when size != 0) and the
 * expected MACs (when given). Another stream's frame is FOREIGN, not BAD. */
static enum payload_check frame_check(const uint8_t *f, size_t len, size_t size, const uint8_t *dst, const uint8_t *src,
                                      uint16_t want_stream, uint32_t *seq, const char **why)
{
    if (len < NETTOOL_ETH_HLEN || f[12] != (NETTOOL_ETHERTYPE >> 8) || f[13] != (NETTOOL_ETHERTYPE & 0xff))
        return PAYLOAD_FOREIGN;
    uint16_t stream;
    enum payload_check r = payload_check(f + NETTOOL_ETH_HLEN, len - NETTOOL_ETH_HLEN, &stream, seq, why);
    if (r != PAYLOAD_OK)
        return r;
    if (stream != want_stream)
        return PAYLOAD_FOREIGN;
    if (size != 0 && len != size) {
        *why = "frame size differs";
        return PAYLOAD_BAD;
    }
    if (dst && memcmp(f, dst, 6) != 0) {
        *why = "destination MAC is not the expected one";
        return PAYLOAD_BAD;
    }
    if (src && memcmp(f + 6, src, 6) != 0) {
        *why = "source MAC is not the expected one";
        return PAYLOAD_BAD;
    }
    return PAYLOAD_OK;
}

/* One received frame of ours (not an outgoing copy), or -1 when none is waiting. */
static ssize_t frame_recv(int fd, uint8_t *buf)
{
    for (;;) {
        struct sockaddr_ll from;
        socklen_t fromlen = sizeof from;
        ssize_t n = recvfrom(fd, buf, MAX_FRAME, MSG_DONTWAIT | MSG_TRUNC, (struct sockaddr *)&from, &fromlen);
        if (n < 0)
            return -1;
        if (from.sll_pkttype == PACKET_OUTGOING)
            continue;
        return n > MAX_FRAME ? MAX_FRAME : n;
    }
}

static int wait_readable(int fd, int ms)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };
    return poll(&p, 1, ms);
}

static int send_would_block(int err) { return err == ENOBUFS || err == EAGAIN || err == EWOULDBLOCK; }

static const uint8_t *peer_of(const struct opts *o) { return o->have_peer ? o->peer : k_default_peer; }

static int check_size(const struct opts *o)
{
    if (o->size < NETTOOL_ETH_HLEN + PAYLOAD_MIN || o->size > MAX_FRAME) {
        fprintf(stderr, "nettool: -s %u: a raw frame is %d to %d bytes\n", o->size, NETTOOL_ETH_HLEN + PAYLOAD_MIN, MAX_FRAME);
        return -1;
    }
    return 0;
}

/* Paced sending: frame i is due at start + i/rate. */
static int due(const struct opts *o, uint64_t start, unsigned long long i)
{
    return o->rate == 0 || now_us() >= start + i * 1000000ull / o->rate;
}

int raw_send(const struct opts *o)
{
    struct link l;
    if (check_size(o) < 0 || link_open(o->ifname, &l) < 0)
        return 2;
    uint8_t *f = malloc(o->size);
    if (!f)
        return 2;
    unsigned long long sent = 0, retries = 0;
    uint64_t start = now_us();
    while (sent < o->count) {
        if (!due(o, start, sent)) {
            usleep(50);
            continue;
        }
        frame_build(f, o->size, peer_of(o), l.mac, 0, (uint32_t)sent);
        if (send(l.fd, f, o->size, 0) == (ssize_t)o->size) {
            sent++;
        } else if (send_would_block(errno)) {
            retries++;
            usleep(100);
        } else {
            fprintf(stderr, "nettool: send on %s: %s\n", o->ifname, strerror(errno));
            break;
        }
    }
    report_begin(o->tag);
    report_u64("sent", sent);
    report_u64("send_retries", retries);
    report_u64("elapsed_us", now_us() - start);
    report_end();
    free(f);
    close(l.fd);
    return sent == o->count ? 0 : 1;
}

struct counts {
    unsigned long long sent, received, bad, dup, foreign, send_retries, bytes, elapsed_us;
    int failed;
};

/* Counts one received frame; returns 1 when it is a new, intact frame of ours. */
static int count_frame(const struct opts *o, struct counts *c, struct seen *seen, const uint8_t *f, size_t len,
                       const uint8_t *dst, const uint8_t *src, uint16_t stream, unsigned *logged)
{
    uint32_t seq = 0;
    const char *why = "";
    enum payload_check r = frame_check(f, len, o->size, dst, src, stream, &seq, &why);
    if (r == PAYLOAD_FOREIGN) {
        c->foreign++;
        return 0;
    }
    if (r == PAYLOAD_OK) {
        int m = seen_mark(seen, seq);
        if (m == 1) {
            c->received++;
            c->bytes += len;
            return 1;
        }
        if (m == 0) {
            c->dup++;
            return 0;
        }
        why = "sequence number beyond the count";
    }
    c->bad++;
    if ((*logged)++ < BAD_FRAMES_LOGGED)
        report_log(o->tag, "stream %u: bad frame seq %u len %zu: %s", stream, seq, len, why);
    return 0;
}

int raw_recv(const struct opts *o)
{
    struct link l;
    struct seen seen;
    if (link_open(o->ifname, &l) < 0 || seen_init(&seen, o->count) < 0)
        return 2;
    uint8_t *buf = malloc(MAX_FRAME);
    if (!buf)
        return 2;
    report_event(o->tag, "ready");
    struct counts c = { 0 };
    unsigned logged = 0;
    uint64_t start = now_us(), first = 0, last = 0;
    uint64_t deadline = o->timeout > 0 ? start + (uint64_t)(o->timeout * 1e6) : UINT64_MAX;
    while (c.received < o->count && now_us() < deadline) {
        wait_readable(l.fd, 10);
        ssize_t n;
        while ((n = frame_recv(l.fd, buf)) >= 0) {
            if (count_frame(o, &c, &seen, buf, (size_t)n, NULL, o->have_peer ? o->peer : NULL, 0, &logged)) {
                last = now_us();
                if (first == 0) {
                    first = last;
                    report_event(o->tag, "first-rx");
                }
            }
        }
    }
    report_begin(o->tag);
    report_u64("received", c.received);
    report_u64("bad", c.bad);
    report_u64("dup", c.dup);
    report_u64("foreign", c.foreign);
    report_u64("bytes", c.bytes);
    report_u64("elapsed_us", first ? last - first : 0);
    report_end();
    free(buf);
    seen_free(&seen);
    close(l.fd);
    return c.received == o->count && c.bad == 0 && c.dup == 0 ? 0 : 1;
}

/* Frames sent and neither back nor written off; 0 when a misbehaving peer sent back more than we sent. */
static unsigned long long in_flight(const struct counts *c, unsigned long long written_off)
{
    unsigned long long done = c->received + c->bad + written_off;
    return c->sent > done ? c->sent - done : 0;
}

/* One sender: keeps at most `window` frames in flight and checks every frame that comes back. */
static void roundtrip_stream(const struct opts *o, uint16_t stream, unsigned long n, struct counts *c, int *first_rx)
{
    struct link l;
    struct seen seen;
    uint8_t *f = malloc(o->size), *buf = malloc(MAX_FRAME);
    if (!f || !buf || link_open(o->ifname, &l) < 0) {
        c->failed = 1;
        return;
    }
    if (seen_init(&seen, n) < 0) {
        c->failed = 1;
        close(l.fd);
        return;
    }
    const uint8_t *peer = peer_of(o);
    const uint8_t *want_dst = o->expect_same ? peer : l.mac;
    const uint8_t *want_src = o->expect_same ? l.mac : peer;
    unsigned window = o->window ? o->window : 32, logged = 0;
    unsigned long long written_off = 0;
    uint64_t start = now_us(), last_rx = start;
    uint64_t deadline = start + (uint64_t)((o->timeout > 0 ? o->timeout : 10) * 1e6);
    while (c->received < n) {
        uint64_t t = now_us();
        if (t >= deadline)
            break;
        while (c->sent < n && in_flight(c, written_off) < window && due(o, start, c->sent)) {
            frame_build(f, o->size, peer, l.mac, stream, (uint32_t)c->sent);
            if (send(l.fd, f, o->size, 0) == (ssize_t)o->size) {
                c->sent++;
            } else if (send_would_block(errno)) {
                c->send_retries++;
                break;
            } else {
                fprintf(stderr, "nettool: send on %s: %s\n", o->ifname, strerror(errno));
                c->failed = 1;
                goto done;
            }
        }
        wait_readable(l.fd, 5);
        ssize_t len;
        while ((len = frame_recv(l.fd, buf)) >= 0) {
            unsigned long long before = c->received + c->bad;
            if (count_frame(o, c, &seen, buf, (size_t)len, want_dst, want_src, stream, &logged)
                && __atomic_exchange_n(first_rx, 1, __ATOMIC_SEQ_CST) == 0)
                report_event(o->tag, "first-rx");
            if (c->received + c->bad != before)
                last_rx = now_us();
        }
        t = now_us();
        if (c->sent == n && t - last_rx > LINGER_US)
            break;
        if (in_flight(c, written_off) >= window && t - last_rx > WRITE_OFF_US) {
            written_off += in_flight(c, written_off);
            last_rx = t;
        }
    }
done:
    c->elapsed_us = now_us() - start;
    seen_free(&seen);
    close(l.fd);
    free(f);
    free(buf);
}

static void report_counts(const char *key_prefix, const struct counts *c, unsigned long expected)
{
    char key[64];
#define PUT(name, value)                                             \
    do {                                                             \
        snprintf(key, sizeof key, "%s%s", key_prefix, name);         \
        report_u64(key, value);                                      \
    } while (0)
    PUT("sent", c->sent);
    PUT("received", c->received);
    PUT("bad", c->bad);
    PUT("dup", c->dup);
    PUT("lost", c->received < expected ? expected - c->received : 0);
    PUT("send_retries", c->send_retries);
    PUT("elapsed_us", c->elapsed_us);
#undef PUT
}

static void pin_to_cpu(unsigned cpu)
{
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu % (unsigned)(ncpu > 0 ? ncpu : 1), &set);
    sched_setaffinity(0, sizeof set, &set);
}

int raw_roundtrip(const struct opts *o)
{
    if (check_size(o) < 0)
        return 2;
    unsigned streams = o->streams ? o->streams : 1;
    /* Shared with the forked senders: their counters and the "first frame received" flag. */
    size_t shared_size = sizeof(int) + streams * sizeof(struct counts);
    void *shared = mmap(NULL, shared_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared == MAP_FAILED)
        return 2;
    int *first_rx = shared;
    struct counts *per = (struct counts *)((char *)shared + sizeof(int));
    memset(shared, 0, shared_size);
    fflush(stdout);
    for (unsigned s = 0; s < streams; s++) {
        unsigned long n = o->count / streams + (s < o->count % streams);
        if (streams == 1) {
            roundtrip_stream(o, 0, n, &per[0], first_rx);
            break;
        }
        pid_t pid = fork();
        if (pid < 0) {
            per[s].failed = 1;
            continue;
        }
        if (pid == 0) {
            /* Pinned sender: the guest's XPS map sends from CPU k on TX queue k. */
            pin_to_cpu(s);
            roundtrip_stream(o, (uint16_t)s, n, &per[s], first_rx);
            fflush(stdout);
            _exit(0);
        }
    }
    while (wait(NULL) > 0) {
    }
    struct counts total = { 0 };
    for (unsigned s = 0; s < streams; s++) {
        total.sent += per[s].sent;
        total.received += per[s].received;
        total.bad += per[s].bad;
        total.dup += per[s].dup;
        total.send_retries += per[s].send_retries;
        total.failed |= per[s].failed;
        if (per[s].elapsed_us > total.elapsed_us)
            total.elapsed_us = per[s].elapsed_us;
    }
    report_begin(o->tag);
    report_counts("", &total, o->count);
    report_u64("streams", streams);
    report_end();
    for (unsigned s = 0; streams > 1 && s < streams; s++) {
        char prefix[16];
        snprintf(prefix, sizeof prefix, "s%u.", s);
        report_begin(o->tag);
        report_counts(prefix, &per[s], o->count / streams + (s < o->count % streams));
        report_end();
    }
    int ok = !total.failed && total.received == o->count && total.bad == 0 && total.dup == 0;
    munmap(shared, shared_size);
    return ok ? 0 : 1;
}

int raw_echo(const struct opts *o)
{
    struct link l;
    if (link_open(o->ifname, &l) < 0)
        return 2;
    uint8_t *buf = malloc(MAX_FRAME);
    if (!buf)
        return 2;
    report_event(o->tag, "ready");
    unsigned long long echoed = 0, errors = 0;
    uint64_t last = now_us();
    uint64_t idle = o->timeout > 0 ? (uint64_t)(o->timeout * 1e6) : UINT64_MAX;
    while ((o->count == 0 || echoed < o->count) && now_us() - last < idle) {
        wait_readable(l.fd, 10);
        ssize_t n;
        while ((n = frame_recv(l.fd, buf)) >= 0) {
            uint8_t mac[6];
            memcpy(mac, buf, 6);
            memcpy(buf, buf + 6, 6);
            memcpy(buf + 6, mac, 6);
            if (send(l.fd, buf, (size_t)n, 0) == n) {
                if (echoed++ == 0)
                    report_event(o->tag, "first-rx");
            } else {
                errors++;
            }
            last = now_us();
        }
    }
    report_begin(o->tag);
    report_u64("echoed", echoed);
    report_u64("send_errors", errors);
    report_end();
    free(buf);
    close(l.fd);
    return 0;
}
