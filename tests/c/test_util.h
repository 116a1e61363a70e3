/* Helpers shared by the C tests: checks that stop the program with file:line, test frames whose every byte
 * is derived from (tag, sequence number), and a poll() wrapper. Header-only; each test is one .c file. */
#ifndef XDPAOT_TEST_UTIL_H
#define XDPAOT_TEST_UTIL_H

#define _GNU_SOURCE 1
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <xdpaot.h>

#define CHECK(cond, ...)                                                                      \
    do {                                                                                      \
        if (!(cond)) {                                                                        \
            fprintf(stderr, "%s:%d: CHECK(%s) failed: ", __FILE__, __LINE__, #cond);          \
            fprintf(stderr, __VA_ARGS__);                                                     \
            fputc('\n', stderr);                                                              \
            exit(1);                                                                          \
        }                                                                                     \
    } while (0)

#define CHECK_EQ(a, b) CHECK((long long)(a) == (long long)(b), "%s = %lld, %s = %lld", #a, (long long)(a), #b, (long long)(b))

static inline uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Opens a port or fails the test with the library's message. */
static inline xdpaot_port *open_port(const char *opts)
{
    char err[256];
    xdpaot_port *p = NULL;
    int rc = xdpaot_open(opts, &p, err, sizeof err);
    CHECK(rc == 0 && p != NULL, "xdpaot_open(%s) = %d (%s): %s", opts, rc, strerror(-rc), err);
    return p;
}

/* ---- test frames ---------------------------------------------------------------------------------------
 * Layout: broadcast destination, source 02:00:00:00:00:<tag>, EtherType 0x88B5 (local experimental),
 * then tag (1 byte), sequence (4 bytes, little-endian), then a pattern derived from both. */

#define TEST_ETHERTYPE_HI 0x88
#define TEST_ETHERTYPE_LO 0xB5
#define TEST_HEADER_LEN 19
#define TEST_MIN_LEN 60
#define TEST_MAX_LEN 1514

/* A length between 60 and 1514 that varies with the sequence number. */
static inline uint32_t frame_len(uint32_t seq) { return TEST_MIN_LEN + (seq * 337u) % (TEST_MAX_LEN - TEST_MIN_LEN + 1); }

static inline uint8_t pattern_byte(uint8_t tag, uint32_t seq, uint32_t i) { return (uint8_t)(i * 31u + seq * 7u + tag); }

static inline void make_frame(uint8_t *buf, uint32_t len, uint8_t tag, uint32_t seq)
{
    memset(buf, 0xff, 6);
    const uint8_t src[6] = {0x02, 0, 0, 0, 0, tag};
    memcpy(buf + 6, src, 6);
    buf[12] = TEST_ETHERTYPE_HI;
    buf[13] = TEST_ETHERTYPE_LO;
    buf[14] = tag;
    memcpy(buf + 15, &seq, 4);
    for (uint32_t i = TEST_HEADER_LEN; i < len; i++)
        buf[i] = pattern_byte(tag, seq, i);
}

/* True for a frame of ours (anything else that shows up on the wire is not counted). */
static inline int is_test_frame(const uint8_t *f, uint32_t len)
{
    return len >= TEST_HEADER_LEN && f[12] == TEST_ETHERTYPE_HI && f[13] == TEST_ETHERTYPE_LO;
}

static inline uint32_t frame_seq(const uint8_t *f)
{
    uint32_t seq;
    memcpy(&seq, f + 15, 4);
    return seq;
}

/* Checks a received frame byte for byte against what make_frame(tag, seq) produced; 0 if equal. */
static inline int frame_differs(const uint8_t *f, uint32_t len, uint8_t tag, uint32_t seq, char *why, size_t whylen)
{
    uint8_t expect[TEST_MAX_LEN];
    uint32_t want = frame_len(seq);
    if (len != want) {
        snprintf(why, whylen, "tag %u seq %u: length %u, expected %u", tag, seq, len, want);
        return 1;
    }
    make_frame(expect, want, tag, seq);
    for (uint32_t i = 0; i < len; i++) {
        if (f[i] != expect[i]) {
            snprintf(why, whylen, "tag %u seq %u: byte %u is 0x%02x, expected 0x%02x", tag, seq, i, f[i], expect[i]);
            return 1;
        }
    }
    return 0;
}

/* Sends frame (tag, seq) as up to three iovec segments (header, first part, rest): the gather path. */
static inline int send_frame(xdpaot_port *p, uint32_t q, uint8_t tag, uint32_t seq)
{
    uint8_t buf[TEST_MAX_LEN];
    uint32_t len = frame_len(seq);
    make_frame(buf, len, tag, seq);
    uint32_t cut = TEST_HEADER_LEN + (len - TEST_HEADER_LEN) / 3;
    struct iovec iov[3] = {
        {buf, 14},
        {buf + 14, cut - 14},
        {buf + cut, len - cut},
    };
    int rc = xdpaot_send(p, q, iov, 3);
    CHECK(rc == 0 || rc == (int)len, "xdpaot_send(seq %u) = %d, expected 0 or %u", seq, rc, len);
    return rc;
}

/* Drains TX: flush until nothing is in flight, polling for POLLOUT in between. */
static inline void drain_tx(xdpaot_port *p, uint32_t q, int timeout_ms)
{
    uint64_t deadline = now_ns() + (uint64_t)timeout_ms * 1000000ull;
    int left;
    while ((left = xdpaot_flush(p, q)) > 0) {
        CHECK(now_ns() < deadline, "xdpaot_flush still has %d frames in flight after %d ms", left, timeout_ms);
        struct pollfd pfd = {xdpaot_queue_fd(p, q), POLLOUT, 0};
        poll(&pfd, 1, 1);
    }
    CHECK_EQ(left, 0);
}

static inline xdpaot_stats get_stats(xdpaot_port *p, uint32_t q)
{
    xdpaot_stats s;
    memset(&s, 0, sizeof s);
    s.size = sizeof s;
    int rc = xdpaot_get_stats(p, q, &s);
    CHECK_EQ(rc, 0);
    CHECK_EQ(s.size, sizeof s);
    return s;
}

#endif
