/* Receive backpressure from the consumer's side.
 *  1. A callback that refuses some frames: a refused frame is delivered again, first, by the next
 *     xdpaot_recv; none is lost or duplicated; rx_packets counts each frame once.
 *  2. Peek/release: peeking again before a release returns the same frames; releasing part of a peek
 *     leaves the rest first in line; a receive after a peek delivers the peeked frames; n > peeked is
 *     refused.
 * Each part sends all its frames before receiving, so <count> must fit the receiver's rings (2048).
 * usage: refuse_test <ifA> <ifB> <count> */
#include "test_util.h"

struct rx {
    uint8_t tag;
    uint32_t expected;        /* next sequence number due */
    uint32_t taken_this_call;
    uint32_t refusals;
    int refused_pending;      /* the last call refused `expected`: it must come first now */
};

static int refusing(void *ctx, const void *frame, uint32_t len)
{
    struct rx *r = ctx;
    const uint8_t *f = frame;
    if (!is_test_frame(f, len)) {
        r->taken_this_call++;
        return 0;
    }
    char why[160];
    uint32_t seq = frame_seq(f);
    CHECK(seq == r->expected, "got seq %u, expected %u (%s)", seq, r->expected,
          r->refused_pending ? "a refused frame did not come first" : "lost or duplicated");
    CHECK(!frame_differs(f, len, r->tag, seq, why, sizeof why), "%s", why);
    /* refuse every 5th frame once, and every 13th twice */
    int times = seq % 13 == 0 ? 2 : seq % 5 == 2 ? 1 : 0;
    if ((int)r->refused_pending < times) {
        r->refused_pending++;
        r->refusals++;
        return 1;
    }
    r->refused_pending = 0;
    r->expected++;
    r->taken_this_call++;
    return 0;
}

/* Sends frames [first, first + n) from tx, with backpressure, and drains TX. */
static void send_all(xdpaot_port *tx, uint8_t tag, uint32_t n)
{
    uint32_t sent = 0;
    uint64_t deadline = now_ns() + 20ull * 1000000000ull;
    while (sent < n) {
        CHECK(now_ns() < deadline, "send timeout at %u", sent);
        if (send_frame(tx, 0, tag, sent) > 0) {
            sent++;
            continue;
        }
        struct pollfd pfd = {xdpaot_queue_fd(tx, 0), POLLOUT, 0};
        poll(&pfd, 1, 10);
        xdpaot_flush(tx, 0);
    }
    drain_tx(tx, 0, 5000);
}

static void wait_readable(xdpaot_port *p)
{
    struct pollfd pfd = {xdpaot_queue_fd(p, 0), POLLIN, 0};
    poll(&pfd, 1, 10);
}

static void refusing_callback(xdpaot_port *tx, xdpaot_port *rx, uint32_t count)
{
    struct rx r = {.tag = 'R'};
    send_all(tx, 'R', count);
    uint64_t deadline = now_ns() + 20ull * 1000000000ull;
    while (r.expected < count) {
        CHECK(now_ns() < deadline, "timeout: received %u of %u", r.expected, count);
        r.taken_this_call = 0;
        uint32_t refusals_before = r.refusals;
        int n = xdpaot_recv(rx, 0, refusing, &r, 1000);
        CHECK(n >= 0, "recv = %d", n);
        CHECK_EQ((uint32_t)n, r.taken_this_call);
        if (r.refusals == refusals_before && n == 0)
            wait_readable(rx);
    }
    CHECK(r.refusals > 0, "no frame was refused");
    xdpaot_stats st = get_stats(rx, 0);
    CHECK_EQ(st.rx_packets, count);
    printf("ok  refusing callback: %u frames, %u refusals, each delivered once in order\n", count, r.refusals);
}

static void check_peeked(const xdpaot_frame *frames, int n, uint8_t tag, uint32_t first)
{
    char why[160];
    for (int i = 0; i < n; i++) {
        const uint8_t *f = frames[i].data;
        CHECK(is_test_frame(f, frames[i].len), "peeked frame %d is not a test frame", i);
        CHECK(frame_seq(f) == first + (uint32_t)i, "peek[%d] has seq %u, expected %u", i, frame_seq(f), first + i);
        CHECK(!frame_differs(f, frames[i].len, tag, first + (uint32_t)i, why, sizeof why), "%s", why);
    }
}

static int take_one(void *ctx, const void *frame, uint32_t len)
{
    uint32_t *seq = ctx;
    CHECK(is_test_frame(frame, len), "not a test frame");
    *seq = frame_seq(frame);
    return 0;
}

static void peek_release(xdpaot_port *tx, xdpaot_port *rx, uint32_t count, uint64_t rx_before)
{
    send_all(tx, 'P', count);
    xdpaot_frame frames[16], again[16];
    uint32_t expected = 0, rounds = 0;
    uint64_t deadline = now_ns() + 20ull * 1000000000ull;
    while (expected < count) {
        CHECK(now_ns() < deadline, "timeout: released %u of %u", expected, count);
        int n = xdpaot_recv_peek(rx, 0, frames, 16);
        CHECK(n >= 0 && n <= 16, "peek = %d", n);
        if (n == 0) {
            wait_readable(rx);
            continue;
        }
        rounds++;
        check_peeked(frames, n, 'P', expected);
        /* repeatable: the same frames again, first */
        int m = xdpaot_recv_peek(rx, 0, again, 16);
        CHECK(m >= n, "second peek returned %d < %d", m, n);
        for (int i = 0; i < n; i++)
            CHECK(again[i].data == frames[i].data && again[i].len == frames[i].len, "peek[%d] differs on repeat", i);
        check_peeked(again, m, 'P', expected);
        CHECK_EQ(xdpaot_recv_release(rx, 0, (uint32_t)m + 1), -EINVAL);
        switch (rounds % 4) {
        case 0: /* a receive after a peek: the peeked frames come first */
        {
            uint32_t seq = UINT32_MAX;
            CHECK_EQ(xdpaot_recv(rx, 0, take_one, &seq, 1), 1);
            CHECK_EQ(seq, expected);
            expected++;
            CHECK_EQ(xdpaot_recv_release(rx, 0, 1), -EINVAL); /* the peek is gone */
            break;
        }
        case 1: /* release nothing */
            CHECK_EQ(xdpaot_recv_release(rx, 0, 0), 0);
            break;
        case 2: /* release part */
            CHECK_EQ(xdpaot_recv_release(rx, 0, (uint32_t)(m + 1) / 2), 0);
            expected += (uint32_t)(m + 1) / 2;
            break;
        default: /* release all */
            CHECK_EQ(xdpaot_recv_release(rx, 0, (uint32_t)m), 0);
            expected += (uint32_t)m;
            break;
        }
    }
    xdpaot_stats st = get_stats(rx, 0);
    CHECK_EQ(st.rx_packets - rx_before, count);
    CHECK_EQ(xdpaot_recv_peek(rx, 0, frames, 16), 0);
    printf("ok  peek/release: %u frames in %u rounds, each released once in order\n", count, rounds);
}

int main(int argc, char **argv)
{
    CHECK(argc == 4, "usage: %s <ifA> <ifB> <count>", argv[0]);
    uint32_t count = (uint32_t)strtoul(argv[3], NULL, 10);
    char opts[128];
    snprintf(opts, sizeof opts, "ifname=%s", argv[1]);
    xdpaot_port *tx = open_port(opts);
    snprintf(opts, sizeof opts, "ifname=%s", argv[2]);
    xdpaot_port *rx = open_port(opts);
    refusing_callback(tx, rx, count);
    peek_release(tx, rx, count, get_stats(rx, 0).rx_packets);
    xdpaot_close(tx);
    xdpaot_close(rx);
    printf("PASS refuse_test\n");
    return 0;
}
