/* UDP over the guest's IP stack (busybox nc has no UDP mode): send, receive and check, echo. */
#include "nettool.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_DATAGRAM 65507

static int udp_socket(unsigned port)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        fprintf(stderr, "nettool: socket(AF_INET, SOCK_DGRAM): %s\n", strerror(errno));
        return -1;
    }
    int rcvbuf = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf);
    if (port != 0) {
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr.s_addr = htonl(INADDR_ANY) };
        if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0) {
            fprintf(stderr, "nettool: bind(UDP port %u): %s\n", port, strerror(errno));
            close(fd);
            return -1;
        }
    }
    return fd;
}

static int wait_readable(int fd, int ms)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };
    return poll(&p, 1, ms);
}

int udp_send(const struct opts *o)
{
    struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons((uint16_t)o->port) };
    if (!o->addr || inet_pton(AF_INET, o->addr, &to.sin_addr) != 1 || o->port == 0) {
        fprintf(stderr, "nettool: udp-send needs -a IPv4-address and -p port\n");
        return 2;
    }
    if (o->size < PAYLOAD_MIN || o->size > MAX_DATAGRAM) {
        fprintf(stderr, "nettool: -s %u: a UDP payload here is %d to %d bytes\n", o->size, PAYLOAD_MIN, MAX_DATAGRAM);
        return 2;
    }
    int fd = udp_socket(0);
    uint8_t *p = malloc(o->size);
    if (fd < 0 || !p)
        return 2;
    unsigned long long sent = 0, retries = 0;
    uint64_t start = now_us();
    while (sent < o->count) {
        if (o->rate != 0 && now_us() < start + sent * 1000000ull / o->rate) {
            usleep(50);
            continue;
        }
        payload_fill(p, o->size, 0, (uint32_t)sent);
        if (sendto(fd, p, o->size, 0, (struct sockaddr *)&to, sizeof to) == (ssize_t)o->size) {
            sent++;
        } else if (errno == ENOBUFS || errno == EAGAIN || errno == ECONNREFUSED) {
            retries++;
            usleep(100);
        } else {
            fprintf(stderr, "nettool: sendto %s:%u: %s\n", o->addr, o->port, strerror(errno));
            break;
        }
    }
    report_begin(o->tag);
    report_u64("sent", sent);
    report_u64("send_retries", retries);
    report_u64("elapsed_us", now_us() - start);
    report_end();
    free(p);
    close(fd);
    return sent == o->count ? 0 : 1;
}

int udp_recv(const struct opts *o)
{
    struct seen seen;
    int fd = udp_socket(o->port);
    uint8_t *buf = malloc(MAX_DATAGRAM);
    if (o->port == 0 || fd < 0 || !buf || seen_init(&seen, o->count) < 0) {
        fprintf(stderr, "nettool: udp-recv needs -p port\n");
        return 2;
    }
    report_event(o->tag, "ready");
    unsigned long long received = 0, bad = 0, dup = 0, bytes = 0;
    unsigned logged = 0;
    uint64_t start = now_us(), first = 0, last = 0;
    uint64_t deadline = o->timeout > 0 ? start + (uint64_t)(o->timeout * 1e6) : UINT64_MAX;
    while (received < o->count && now_us() < deadline) {
        if (wait_readable(fd, 10) <= 0)
            continue;
        ssize_t n = recv(fd, buf, MAX_DATAGRAM, MSG_DONTWAIT);
        if (n < 0)
            continue;
        uint16_t stream;
        uint32_t seq = 0;
        const char *why = "not a nettool payload";
        enum payload_check r = payload_check(buf, (size_t)n, &stream, &seq, &why);
        if (r == PAYLOAD_OK && o->size != 0 && (size_t)n != o->size) {
            r = PAYLOAD_BAD;
            why = "payload size differs";
        }
        int m = r == PAYLOAD_OK ? seen_mark(&seen, seq) : -1;
        if (m == 1) {
            received++;
            bytes += (size_t)n;
            last = now_us();
            if (first == 0) {
                first = last;
                report_event(o->tag, "first-rx");
            }
        } else if (m == 0) {
            dup++;
        } else {
            bad++;
            if (logged++ < 5)
                report_log(o->tag, "bad datagram seq %u len %zd: %s", seq, n, why);
        }
    }
    report_begin(o->tag);
    report_u64("received", received);
    report_u64("bad", bad);
    report_u64("dup", dup);
    report_u64("bytes", bytes);
    report_u64("elapsed_us", first ? last - first : 0);
    report_end();
    seen_free(&seen);
    free(buf);
    close(fd);
    return received == o->count && bad == 0 && dup == 0 ? 0 : 1;
}

int udp_echo(const struct opts *o)
{
    int fd = udp_socket(o->port);
    uint8_t *buf = malloc(MAX_DATAGRAM);
    if (o->port == 0 || fd < 0 || !buf) {
        fprintf(stderr, "nettool: udp-echo needs -p port\n");
        return 2;
    }
    report_event(o->tag, "ready");
    unsigned long long echoed = 0, errors = 0;
    uint64_t last = now_us();
    uint64_t idle = o->timeout > 0 ? (uint64_t)(o->timeout * 1e6) : UINT64_MAX;
    while ((o->count == 0 || echoed < o->count) && now_us() - last < idle) {
        if (wait_readable(fd, 10) <= 0)
            continue;
        struct sockaddr_in from;
        socklen_t fromlen = sizeof from;
        ssize_t n = recvfrom(fd, buf, MAX_DATAGRAM, MSG_DONTWAIT, (struct sockaddr *)&from, &fromlen);
        if (n < 0)
            continue;
        if (sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, fromlen) == n) {
            if (echoed++ == 0)
                report_event(o->tag, "first-rx");
        } else {
            errors++;
        }
        last = now_us();
    }
    report_begin(o->tag);
    report_u64("echoed", echoed);
    report_u64("send_errors", errors);
    report_end();
    free(buf);
    close(fd);
    return 0;
}
