/* A VMM-style poll() loop: two ports, one on each end of a veth pair, send each other <count> frames at
 * once; one loop polls both fds for what xdpaot_wants asks, receives on POLLIN, flushes on POLLOUT and sends
 * whenever there is room. Every frame must arrive once, in order, byte for byte (gathered from 3 segments
 * on the way out), and the counters must agree.
 * usage: poll_loop_test <ifA> <ifB> <count> */
#include "test_util.h"

struct side {
    const char *name;
    xdpaot_port *port;
    uint8_t tag;           /* what this side sends */
    uint8_t peer_tag;      /* what it expects to receive */
    uint32_t sent, received, strays, full;
    uint64_t tx_bytes, rx_bytes;
};

static int on_frame(void *ctx, const void *frame, uint32_t len)
{
    struct side *s = ctx;
    const uint8_t *f = frame;
    if (!is_test_frame(f, len)) {
        s->strays++;
        return 0;
    }
    char why[160];
    CHECK(f[14] == s->peer_tag, "%s: frame with tag %u, expected %u", s->name, f[14], s->peer_tag);
    CHECK(frame_seq(f) == s->received, "%s: got seq %u, expected %u (lost or reordered)", s->name, frame_seq(f), s->received);
    CHECK(!frame_differs(f, len, s->peer_tag, s->received, why, sizeof why), "%s: %s", s->name, why);
    s->received++;
    s->rx_bytes += len;
    return 0;
}

int main(int argc, char **argv)
{
    CHECK(argc == 4, "usage: %s <ifA> <ifB> <count>", argv[0]);
    uint32_t count = (uint32_t)strtoul(argv[3], NULL, 10);
    char opts[128];
    struct side sides[2] = {{.name = "A", .tag = 'A', .peer_tag = 'B'}, {.name = "B", .tag = 'B', .peer_tag = 'A'}};
    for (int i = 0; i < 2; i++) {
        snprintf(opts, sizeof opts, "ifname=%s", argv[1 + i]);
        sides[i].port = open_port(opts);
    }

    uint64_t start = now_ns(), deadline = start + 30ull * 1000000000ull;
    int polls = 0;
    while (sides[0].received < count || sides[1].received < count) {
        CHECK(now_ns() < deadline, "timeout: A sent %u received %u, B sent %u received %u", sides[0].sent,
              sides[0].received, sides[1].sent, sides[1].received);
        /* the guest side: hand the backend frames until it says it is full */
        for (int i = 0; i < 2; i++) {
            struct side *s = &sides[i];
            while (s->sent < count) {
                int rc = send_frame(s->port, 0, s->tag, s->sent);
                if (rc == 0) {
                    s->full++;
                    break;
                }
                s->tx_bytes += (uint64_t)rc;
                s->sent++;
            }
        }
        struct pollfd pfd[2];
        for (int i = 0; i < 2; i++) {
            int wants = xdpaot_wants(sides[i].port, 0);
            CHECK(wants > 0 && (wants & POLLIN), "wants %d", wants);
            pfd[i] = (struct pollfd){xdpaot_queue_fd(sides[i].port, 0), (short)wants, 0};
        }
        int n = poll(pfd, 2, 100);
        CHECK(n >= 0, "poll: %s", strerror(errno));
        polls++;
        for (int i = 0; i < 2; i++) {
            struct side *s = &sides[i];
            if (pfd[i].revents & POLLIN)
                CHECK(xdpaot_recv(s->port, 0, on_frame, s, 64) >= 0, "recv failed");
            if (pfd[i].revents & POLLOUT)
                CHECK(xdpaot_flush(s->port, 0) >= 0, "flush failed");
            CHECK(!(pfd[i].revents & (POLLERR | POLLNVAL)), "%s: revents 0x%x", s->name, pfd[i].revents);
        }
    }
    double secs = (double)(now_ns() - start) / 1e9;

    for (int i = 0; i < 2; i++) {
        struct side *s = &sides[i];
        drain_tx(s->port, 0, 5000);
        xdpaot_stats st = get_stats(s->port, 0);
        CHECK_EQ(st.tx_packets, count);
        CHECK_EQ(st.tx_bytes, s->tx_bytes);
        CHECK_EQ(st.rx_packets, count + s->strays);
        CHECK(st.rx_bytes >= s->rx_bytes, "rx_bytes %llu < %llu", (unsigned long long)st.rx_bytes, (unsigned long long)s->rx_bytes);
        CHECK_EQ(st.tx_full, s->full);
        CHECK_EQ(st.tx_oversize, 0);
        CHECK_EQ(st.rx_oversize, 0);
        CHECK_EQ(st.rx_dropped + st.rx_ring_full + st.rx_invalid_descs + st.tx_invalid_descs, 0);
        printf("%s: sent %u received %u (%u stray) tx_full %u fill_empty %llu tx_ring_empty %llu\n", s->name, s->sent,
               s->received, s->strays, s->full, (unsigned long long)st.rx_fill_ring_empty_descs,
               (unsigned long long)st.tx_ring_empty_descs);
    }
    for (int i = 0; i < 2; i++)
        xdpaot_close(sides[i].port);
    printf("PASS poll_loop_test: %u frames each way in %.3f s (%d polls, %.0f frames/s each way)\n", count, secs,
           polls, count / secs);
    return 0;
}
