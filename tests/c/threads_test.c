/* Two queues driven by two threads at once, as a VMM with one I/O thread per queue pair does: thread q polls
 * queue q of both ports and moves <count> frames each way between them. Veth delivers what is sent on queue q
 * to the peer's queue q, so each thread must see exactly its own frames, in order, byte for byte.
 * usage: threads_test <ifA> <ifB> <count>   (both ends with 2 queues) */
#include "test_util.h"
#include <pthread.h>

#define QUEUES 2

static xdpaot_port *ports[2];
static uint32_t count;
static pthread_barrier_t start;

struct lane {
    uint32_t q;
    uint8_t tag[2];        /* tag[i]: what port i sends on this queue */
    uint32_t sent[2], received[2], strays;
};

struct delivery {
    struct lane *lane;
    int port;              /* the receiving port */
};

static int on_frame(void *ctx, const void *frame, uint32_t len)
{
    struct delivery *d = ctx;
    struct lane *l = d->lane;
    const uint8_t *f = frame;
    if (!is_test_frame(f, len)) {
        l->strays++;
        return 0;
    }
    uint8_t want_tag = l->tag[1 - d->port];
    char why[160];
    CHECK(f[14] == want_tag, "queue %u port %d: frame with tag 0x%02x, expected 0x%02x (crossed queues?)", l->q, d->port,
          f[14], want_tag);
    CHECK(frame_seq(f) == l->received[d->port], "queue %u port %d: seq %u, expected %u", l->q, d->port, frame_seq(f),
          l->received[d->port]);
    CHECK(!frame_differs(f, len, want_tag, frame_seq(f), why, sizeof why), "queue %u: %s", l->q, why);
    l->received[d->port]++;
    return 0;
}

static void *drive(void *arg)
{
    struct lane *l = arg;
    pthread_barrier_wait(&start);
    uint64_t deadline = now_ns() + 30ull * 1000000000ull;
    while (l->received[0] < count || l->received[1] < count) {
        CHECK(now_ns() < deadline, "queue %u: timeout, received %u and %u", l->q, l->received[0], l->received[1]);
        struct pollfd pfd[2];
        for (int i = 0; i < 2; i++) {
            while (l->sent[i] < count && send_frame(ports[i], l->q, l->tag[i], l->sent[i]) > 0)
                l->sent[i]++;
            pfd[i] = (struct pollfd){xdpaot_queue_fd(ports[i], l->q), (short)xdpaot_wants(ports[i], l->q), 0};
        }
        CHECK(poll(pfd, 2, 100) >= 0, "poll");
        for (int i = 0; i < 2; i++) {
            struct delivery d = {l, i};
            if (pfd[i].revents & POLLIN)
                CHECK(xdpaot_recv(ports[i], l->q, on_frame, &d, 64) >= 0, "recv");
            if (pfd[i].revents & POLLOUT)
                xdpaot_flush(ports[i], l->q);
        }
    }
    for (int i = 0; i < 2; i++)
        drain_tx(ports[i], l->q, 5000);
    return NULL;
}

int main(int argc, char **argv)
{
    CHECK(argc == 4, "usage: %s <ifA> <ifB> <count>", argv[0]);
    count = (uint32_t)strtoul(argv[3], NULL, 10);
    char opts[128];
    for (int i = 0; i < 2; i++) {
        snprintf(opts, sizeof opts, "ifname=%s,queues=%d", argv[1 + i], QUEUES);
        ports[i] = open_port(opts);
        CHECK_EQ(xdpaot_queue_count(ports[i]), QUEUES);
    }
    struct lane lanes[QUEUES];
    pthread_t threads[QUEUES];
    pthread_barrier_init(&start, NULL, QUEUES);
    uint64_t t0 = now_ns();
    for (uint32_t q = 0; q < QUEUES; q++) {
        lanes[q] = (struct lane){.q = q, .tag = {(uint8_t)(0x10 + q), (uint8_t)(0x20 + q)}};
        CHECK(pthread_create(&threads[q], NULL, drive, &lanes[q]) == 0, "pthread_create");
    }
    for (uint32_t q = 0; q < QUEUES; q++)
        pthread_join(threads[q], NULL);
    double secs = (double)(now_ns() - t0) / 1e9;
    for (uint32_t q = 0; q < QUEUES; q++) {
        for (int i = 0; i < 2; i++) {
            xdpaot_stats st = get_stats(ports[i], q);
            CHECK_EQ(st.tx_packets, count);
            CHECK(st.rx_packets >= count, "queue %u port %d: rx_packets %llu", q, i, (unsigned long long)st.rx_packets);
            CHECK(st.rx_packets <= count + lanes[q].strays, "queue %u port %d: rx_packets %llu", q, i, (unsigned long long)st.rx_packets);
        }
    }
    for (int i = 0; i < 2; i++)
        xdpaot_close(ports[i]);
    pthread_barrier_destroy(&start);
    printf("PASS threads_test: %u queues x %u frames each way in %.3f s\n", QUEUES, count, secs);
    return 0;
}
