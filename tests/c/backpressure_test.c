/* Backpressure: send until xdpaot_send returns 0, wait for POLLOUT, send again. Every frame must arrive, in
 * order, byte for byte; xdpaot_flush must drain to 0. A small TX ring makes the queue fill up often.
 * usage: backpressure_test <ifA> <ifB> <count> */
#include "test_util.h"

static uint32_t received;

static int on_frame(void *ctx, const void *frame, uint32_t len)
{
    (void)ctx;
    const uint8_t *f = frame;
    if (!is_test_frame(f, len))
        return 0;
    char why[160];
    CHECK(frame_seq(f) == received, "got seq %u, expected %u (lost or reordered)", frame_seq(f), received);
    CHECK(!frame_differs(f, len, 'S', received, why, sizeof why), "%s", why);
    received++;
    return 0;
}

int main(int argc, char **argv)
{
    CHECK(argc == 4, "usage: %s <ifA> <ifB> <count>", argv[0]);
    uint32_t count = (uint32_t)strtoul(argv[3], NULL, 10);
    char opts[128];
    snprintf(opts, sizeof opts, "ifname=%s,tx-size=64,comp-size=64", argv[1]);
    xdpaot_port *tx = open_port(opts);
    snprintf(opts, sizeof opts, "ifname=%s", argv[2]);
    xdpaot_port *rx = open_port(opts);

    uint32_t sent = 0, zeros = 0, pollouts = 0;
    uint64_t deadline = now_ns() + 30ull * 1000000000ull;
    while (received < count) {
        CHECK(now_ns() < deadline, "timeout: sent %u received %u", sent, received);
        while (sent < count) {
            int rc = send_frame(tx, 0, 'S', sent);
            if (rc == 0)
                break;
            sent++;
        }
        int full = sent < count;
        if (full) {
            zeros++;
            int wants = xdpaot_wants(tx, 0);
            CHECK(wants & POLLOUT, "queue full but wants = 0x%x lacks POLLOUT", wants);
        }
        struct pollfd pfd[2] = {
            {xdpaot_queue_fd(tx, 0), (short)xdpaot_wants(tx, 0), 0},
            {xdpaot_queue_fd(rx, 0), POLLIN, 0},
        };
        CHECK(poll(pfd, 2, 100) >= 0, "poll: %s", strerror(errno));
        if (pfd[0].revents & POLLOUT) {
            pollouts++;
            CHECK(xdpaot_flush(tx, 0) >= 0, "flush");
        }
        int n;
        while ((n = xdpaot_recv(rx, 0, on_frame, NULL, 256)) > 0) {
        }
        CHECK(n == 0, "recv = %d", n);
    }
    drain_tx(tx, 0, 5000);
    CHECK_EQ(xdpaot_flush(tx, 0), 0);
    CHECK_EQ(xdpaot_wants(tx, 0) & POLLOUT, 0);
    xdpaot_stats st = get_stats(tx, 0);
    CHECK(zeros > 0, "send never returned 0: no backpressure tested");
    CHECK_EQ(st.tx_full, zeros);
    CHECK_EQ(st.tx_packets, count);
    xdpaot_stats sr = get_stats(rx, 0);
    CHECK_EQ(sr.rx_ring_full, 0);
    xdpaot_close(tx);
    xdpaot_close(rx);
    printf("PASS backpressure_test: %u frames, send returned 0 %u times, %u POLLOUT wake-ups\n", count, zeros, pollouts);
    return 0;
}
