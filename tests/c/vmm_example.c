/*
 * vmm_example.c: a minimal VMM network backend on libxdpaot, shaped like QEMU's net/af-xdp.c.
 *
 * The "guest" here is a ring of frame buffers standing in for a virtio-net device; it answers every frame it
 * receives by sending it back with the MAC addresses swapped. What matters is the backend half, which maps
 * QEMU's NetClient callbacks onto the library:
 *
 *   NetClientInfo.receive (guest -> network)   backend_receive()  -> xdpaot_send
 *   fd read handler       (network -> guest)   backend_read()     -> xdpaot_recv, refusing when the guest is full
 *   fd write handler      (POLLOUT)            backend_write()    -> xdpaot_flush, then retry what the guest queued
 *   qemu_set_fd_handler                        update_poll()      -> events from read_poll/write_poll/xdpaot_wants
 *
 * Build:  gcc -std=c11 -O2 vmm_example.c -I<include> -L<lib> -lxdpaot -Wl,-rpath,<lib> -o vmm_example
 * Run:    vmm_example <ifname> <frames>   (root; echoes <frames> frames, then exits 0; exits 1 after 10 s idle)
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xdpaot.h>

/* ---- the guest's side: a virtio-net device, reduced to a ring of buffers ---------------------------------- */

#define GUEST_RING 256
#define GUEST_MTU 2048
#define GUEST_BUDGET 16         /* frames the guest answers per turn: slower than the backend delivers them */

struct guest {
    uint8_t buf[GUEST_RING][GUEST_MTU];
    uint32_t len[GUEST_RING];
    uint32_t head, tail;        /* frames [tail, head) were delivered to the guest and not yet processed */
};

static bool guest_can_receive(const struct guest *g) { return g->head - g->tail < GUEST_RING; }

/* ---- the backend: what a VMM writes around libxdpaot -------------------------------------------------------- */

struct backend {
    xdpaot_port *port;
    struct guest *guest;
    bool read_poll;             /* QEMU's read_poll: off while the guest has no room */
    bool write_poll;            /* QEMU's write_poll: on while the backend refused a frame */
    uint64_t echoed;
    uint64_t refused;           /* frames left queued because the guest was full */
};

/* xdpaot_recv callback: hand one frame to the guest, or refuse it (it stays queued) when the guest is full,
 * as QEMU's af_xdp_send() does when qemu_sendv_packet_async() returns 0. */
static int deliver_to_guest(void *ctx, const void *frame, uint32_t len)
{
    struct backend *b = ctx;
    struct guest *g = b->guest;
    if (!guest_can_receive(g)) {
        b->read_poll = false;   /* until the guest frees a buffer */
        b->refused++;
        return 1;
    }
    if (len > GUEST_MTU)
        return 0;               /* a real device would count it as dropped */
    uint32_t slot = g->head % GUEST_RING;
    memcpy(g->buf[slot], frame, len);
    g->len[slot] = len;
    g->head++;
    return 0;
}

/* NetClientInfo.receive: the guest transmits. Returns the size, or 0 when the backend is full: the caller keeps
 * the frame and retries it from backend_write(), as QEMU's net queue does. */
static int backend_receive(struct backend *b, const struct iovec *iov, int iovcnt)
{
    int rc = xdpaot_send(b->port, 0, iov, iovcnt);
    if (rc == 0)
        b->write_poll = true;
    return rc;
}

/* The events to poll for, recomputed after every handler (QEMU's af_xdp_update_fd_handler). */
static short update_poll(struct backend *b)
{
    int wants = xdpaot_wants(b->port, 0);
    short events = 0;
    if (b->read_poll)
        events |= POLLIN;
    if (b->write_poll || (wants & POLLOUT))
        events |= POLLOUT;
    return events;
}

/* fd read handler: frames from the network to the guest. */
static void backend_read(struct backend *b)
{
    int n = xdpaot_recv(b->port, 0, deliver_to_guest, b, 64);
    if (n < 0)
        fprintf(stderr, "xdpaot_recv: %s\n", strerror(-n));
}

/* The guest's turn: answer delivered frames with the MAC addresses swapped. Stops when the backend is full;
 * the frame stays in the guest's ring and is sent again after POLLOUT. */
static void guest_run(struct backend *b)
{
    struct guest *g = b->guest;
    for (int budget = GUEST_BUDGET; budget > 0 && g->tail != g->head; budget--) {
        uint32_t slot = g->tail % GUEST_RING;
        uint8_t *f = g->buf[slot];
        uint8_t mac[6];
        if (f[0] != 0x02) {     /* not yet answered: swap destination and source once */
            memcpy(mac, f, 6);
            memcpy(f, f + 6, 6);
            memcpy(f + 6, mac, 6);
        }
        struct iovec iov = {f, g->len[slot]};
        if (backend_receive(b, &iov, 1) == 0)
            return;
        g->tail++;
        b->echoed++;
        b->read_poll = true;    /* a buffer is free again */
    }
}

/* fd write handler: the kernel took frames; reap them and retry what the guest queued. */
static void backend_write(struct backend *b)
{
    xdpaot_flush(b->port, 0);
    b->write_poll = false;
    guest_run(b);               /* qemu_flush_queued_packets() */
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s <ifname> <frames>\n", argv[0]);
        return 2;
    }
    uint64_t want = strtoull(argv[2], NULL, 10);
    char opts[128], err[256];
    snprintf(opts, sizeof opts, "ifname=%s", argv[1]);   /* add ",queues=N" for one I/O thread per queue */

    static struct guest guest;
    struct backend b = {.guest = &guest, .read_poll = true};
    int rc = xdpaot_open(opts, &b.port, err, sizeof err);
    if (rc < 0) {
        fprintf(stderr, "xdpaot_open(%s): %s (%s)\n", opts, err, strerror(-rc));
        return 1;
    }
    printf("ready: %s, libxdpaot %s\n", opts, xdpaot_version());
    fflush(stdout);

    int idle_ms = 0;
    while (b.echoed < want) {
        struct pollfd pfd = {xdpaot_queue_fd(b.port, 0), update_poll(&b), 0};
        int n = poll(&pfd, 1, 100);
        if (n < 0 && errno != EINTR)
            break;
        idle_ms = n == 0 ? idle_ms + 100 : 0;
        if (idle_ms >= 10000) {
            fprintf(stderr, "idle for 10 s after %llu frames\n", (unsigned long long)b.echoed);
            break;
        }
        if (pfd.revents & POLLOUT)
            backend_write(&b);
        if (pfd.revents & POLLIN)
            backend_read(&b);
        guest_run(&b);
    }

    while (xdpaot_flush(b.port, 0) > 0) {   /* let the last frames leave before closing */
        struct pollfd pfd = {xdpaot_queue_fd(b.port, 0), POLLOUT, 0};
        poll(&pfd, 1, 10);
    }
    xdpaot_stats st = {.size = sizeof st};
    xdpaot_get_stats(b.port, 0, &st);
    printf("echoed %llu frames (refused while the guest was full: %llu; rx %llu, tx %llu, tx_full %llu)\n",
           (unsigned long long)b.echoed, (unsigned long long)b.refused, (unsigned long long)st.rx_packets,
           (unsigned long long)st.tx_packets, (unsigned long long)st.tx_full);
    xdpaot_close(b.port);
    return b.echoed >= want ? 0 : 1;
}
