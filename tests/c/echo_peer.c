/* The other end for vmm_example: sends <count> test frames and expects each back, in order, byte for byte,
 * with the MAC addresses swapped. Keeps up to 512 frames in flight: more than the example's guest ring holds
 * (so its backend refuses frames and stops reading), fewer than the kernel's RX ring (2048), so none is lost.
 * usage: echo_peer <ifname> <count> */
#include "test_util.h"

struct peer {
    uint32_t received;
};

static int on_echo(void *ctx, const void *frame, uint32_t len)
{
    struct peer *p = ctx;
    const uint8_t *f = frame;
    if (!is_test_frame(f, len))
        return 0;
    uint8_t expect[TEST_MAX_LEN];
    uint32_t seq = p->received;
    CHECK(frame_seq(f) == seq, "echo of seq %u, expected %u", frame_seq(f), seq);
    CHECK_EQ(len, frame_len(seq));
    make_frame(expect, len, 'E', seq);
    uint8_t mac[6];
    memcpy(mac, expect, 6);
    memcpy(expect, expect + 6, 6);
    memcpy(expect + 6, mac, 6);
    for (uint32_t i = 0; i < len; i++)
        CHECK(f[i] == expect[i], "echo of seq %u: byte %u is 0x%02x, expected 0x%02x", seq, i, f[i], expect[i]);
    p->received++;
    return 0;
}

int main(int argc, char **argv)
{
    CHECK(argc == 3, "usage: %s <ifname> <count>", argv[0]);
    uint32_t count = (uint32_t)strtoul(argv[2], NULL, 10);
    char opts[128];
    snprintf(opts, sizeof opts, "ifname=%s", argv[1]);
    xdpaot_port *port = open_port(opts);
    struct peer peer = {0};
    uint32_t sent = 0;
    uint64_t deadline = now_ns() + 30ull * 1000000000ull;
    while (peer.received < count) {
        CHECK(now_ns() < deadline, "timeout: sent %u, %u echoes back", sent, peer.received);
        while (sent < count && sent - peer.received < 512 && send_frame(port, 0, 'E', sent) > 0)
            sent++;
        struct pollfd pfd = {xdpaot_queue_fd(port, 0), (short)xdpaot_wants(port, 0), 0};
        poll(&pfd, 1, 100);
        if (pfd.revents & POLLOUT)
            xdpaot_flush(port, 0);
        if (pfd.revents & POLLIN)
            CHECK(xdpaot_recv(port, 0, on_echo, &peer, 64) >= 0, "recv");
    }
    drain_tx(port, 0, 5000);
    xdpaot_close(port);
    printf("PASS echo_peer: %u frames echoed in order, byte for byte\n", count);
    return 0;
}
