// SPDX-License-Identifier: MIT
/*
 * gate_c: the C reference for the instruction-count gate (perf/gate/gate.ps1).
 *
 *   gate_c rx|tx|tx-batch|reflect FRAMES
 *
 * Runs one hot loop for FRAMES 64-byte frames against the fake kernel in
 * fake_kernel.c and prints "loop=NAME frames=N check=X". The user side is
 * written the way a plain libxdp program is (xsk.h's static inline ring
 * helpers, a LIFO stack of free frames, per-queue frame and byte counters):
 * perf/reference/xsk_ref.c's loops, and QEMU's net/af-xdp.c for the
 * one-frame-at-a-time send. The gate counts the instructions of each *_step
 * function (callgrind --toggle-collect), never those of the fake kernel, and
 * compares them with the same loop in perf/gate/XdpAot.Gate.
 *
 * Parameters match the macro benchmark: rings of 2048, frames of 4096 bytes,
 * 4 * 2048 UMEM frames, batches of 64; the kernel never asks for a wake-up.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "fake_kernel.h"

#define BATCH 64
#define RING_SIZE 2048
#define FRAME_SIZE 4096u
#define NUM_FRAMES (4 * RING_SIZE)
#define FRAME_LEN 64u
#define NOINLINE __attribute__((noipa)) /* a real call: no cloning, no constants propagated into it */

struct user {
	unsigned char *area;
	struct xsk_ring_prod fq, tx;
	struct xsk_ring_cons cq, rx;
	int fd;
	__u64 stack[NUM_FRAMES]; /* LIFO free frames */
	__u32 nfree;
	__u32 tx_outstanding;
	__u64 rx_frames, rx_bytes, tx_frames, tx_bytes;
	__u64 check; /* what the receive handler saw */
};

static inline void push(struct user *u, __u64 addr)
{
	u->stack[u->nfree++] = addr & ~(__u64)(FRAME_SIZE - 1);
}

static inline __u64 pop(struct user *u)
{
	return u->stack[--u->nfree];
}

static void refill(struct user *u)
{
	__u32 n = u->nfree, idx;
	if (!n)
		return;
	__u32 room = xsk_prod_nb_free(&u->fq, n);
	if (n > room)
		n = room;
	if (!n || xsk_ring_prod__reserve(&u->fq, n, &idx) != n)
		return;
	for (__u32 i = 0; i < n; i++)
		*xsk_ring_prod__fill_addr(&u->fq, idx + i) = pop(u);
	xsk_ring_prod__submit(&u->fq, n);
}

static void reap(struct user *u)
{
	__u32 idx, n = xsk_ring_cons__peek(&u->cq, BATCH, &idx);
	if (!n)
		return;
	for (__u32 i = 0; i < n; i++)
		push(u, *xsk_ring_cons__comp_addr(&u->cq, idx + i));
	xsk_ring_cons__release(&u->cq, n);
	u->tx_outstanding -= n;
}

static void kick_tx(struct user *u)
{
	if (!u->tx_outstanding || !xsk_ring_prod__needs_wakeup(&u->tx))
		return;
	if (sendto(u->fd, NULL, 0, MSG_DONTWAIT, NULL, 0) < 0 && errno != EAGAIN && errno != EBUSY &&
	    errno != ENOBUFS && errno != ENETDOWN && errno != EINTR)
		abort();
}

static void wake_rx(struct user *u)
{
	if (xsk_ring_prod__needs_wakeup(&u->fq))
		recvfrom(u->fd, NULL, 0, MSG_DONTWAIT, NULL, NULL);
}

/* The flush a VMM calls after a burst of sends: reap, kick if the kernel asks. */
static void flush(struct user *u)
{
	reap(u);
	kick_tx(u);
}

/* rx: one receive batch; the handler reads the EtherType's first byte of each frame. */
NOINLINE static __u32 rx_step(struct user *u)
{
	__u32 idx, n = xsk_ring_cons__peek(&u->rx, BATCH, &idx);
	if (!n) {
		refill(u);
		wake_rx(u);
		return 0;
	}
	for (__u32 i = 0; i < n; i++) {
		const struct xdp_desc *d = xsk_ring_cons__rx_desc(&u->rx, idx + i);
		const unsigned char *p = xsk_umem__get_data(u->area, d->addr);
		if (d->len >= 14)
			u->check += p[12];
		u->rx_bytes += d->len;
		push(u, d->addr);
	}
	xsk_ring_cons__release(&u->rx, n);
	u->rx_frames += n;
	refill(u);
	return n;
}

/*
 * One frame, QEMU's af_xdp_receive: reserve one TX slot, copy, submit. Returns 0 when full.
 * An out-of-line call, as a per-frame send API is (QEMU reaches it through a function pointer).
 */
NOINLINE static __u32 send_one(struct user *u, const unsigned char *frame, __u32 len)
{
	__u32 idx;
	if (len > FRAME_SIZE)
		return len;
	if (!u->nfree)
		reap(u);
	if (!u->nfree || xsk_ring_prod__reserve(&u->tx, 1, &idx) != 1)
		return 0;
	__u64 addr = pop(u);
	memcpy(xsk_umem__get_data(u->area, addr), frame, len);
	struct xdp_desc *d = xsk_ring_prod__tx_desc(&u->tx, idx);
	d->addr = addr;
	d->len = len;
	d->options = 0;
	xsk_ring_prod__submit(&u->tx, 1);
	u->tx_outstanding++;
	u->tx_frames++;
	u->tx_bytes += len;
	return len;
}

/* tx: `count` frames sent one at a time, then a flush. */
NOINLINE static __u32 tx_step(struct user *u, const unsigned char *frame, __u32 len, __u32 count)
{
	__u32 sent = 0;
	while (sent < count && send_one(u, frame, len))
		sent++;
	flush(u);
	return sent;
}

/* tx-batch: up to `count` frames with one reserve and one submit (xsk_ref's gen, copying), then a flush. */
NOINLINE static __u32 tx_batch_step(struct user *u, const unsigned char *frame, __u32 len, __u32 count)
{
	__u32 idx, n = u->nfree < count ? u->nfree : count;
	__u32 room = xsk_prod_nb_free(&u->tx, n);
	if (n > room)
		n = room;
	if (n && xsk_ring_prod__reserve(&u->tx, n, &idx) == n) {
		for (__u32 i = 0; i < n; i++) {
			__u64 addr = pop(u);
			memcpy(xsk_umem__get_data(u->area, addr), frame, len);
			struct xdp_desc *d = xsk_ring_prod__tx_desc(&u->tx, idx + i);
			d->addr = addr;
			d->len = len;
			d->options = 0;
		}
		xsk_ring_prod__submit(&u->tx, n);
		u->tx_outstanding += n;
		u->tx_frames += n;
		u->tx_bytes += (__u64)n * len;
	} else {
		n = 0;
	}
	flush(u);
	return n;
}

static inline void swap_mac(unsigned char *p)
{
	unsigned char t[6];
	memcpy(t, p, 6);
	memcpy(p, p + 6, 6);
	memcpy(p + 6, t, 6);
}

/* reflect (l2fwd): receive, swap the MACs in place, send the same UMEM frame back (xsk_ref's reflect). */
NOINLINE static __u32 reflect_step(struct user *u)
{
	reap(u);
	__u32 room = xsk_prod_nb_free(&u->tx, BATCH), idx, tidx = 0;
	__u32 n = xsk_ring_cons__peek(&u->rx, room < BATCH ? room : BATCH, &idx);
	if (n) {
		xsk_ring_prod__reserve(&u->tx, n, &tidx); /* cannot fail: room >= n */
		for (__u32 i = 0; i < n; i++) {
			const struct xdp_desc *in = xsk_ring_cons__rx_desc(&u->rx, idx + i);
			struct xdp_desc *out = xsk_ring_prod__tx_desc(&u->tx, tidx + i);
			swap_mac(xsk_umem__get_data(u->area, in->addr));
			out->addr = in->addr;
			out->len = in->len;
			out->options = 0;
			u->rx_bytes += in->len;
			u->tx_bytes += in->len;
		}
		xsk_ring_cons__release(&u->rx, n);
		xsk_ring_prod__submit(&u->tx, n);
		u->tx_outstanding += n;
		u->rx_frames += n;
		u->tx_frames += n;
	}
	kick_tx(u);
	refill(u);
	if (!n)
		wake_rx(u);
	return n;
}

static void make_frame(unsigned char *f)
{
	for (unsigned i = 0; i < FRAME_LEN; i++)
		f[i] = (unsigned char)(i * 7 + 1);
	f[12] = 0x08; /* IPv4 */
	f[13] = 0x00;
}

static void deliver_batch(struct fake_kernel *k, const unsigned char *frame)
{
	for (int i = 0; i < BATCH; i++)
		if (!fk_deliver(k, frame, FRAME_LEN))
			break;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: gate_c rx|tx|tx-batch|reflect FRAMES\n");
		return 2;
	}
	const char *loop = argv[1];
	char *end;
	unsigned long long frames = strtoull(argv[2], &end, 10);
	if (*end || !frames) {
		fprintf(stderr, "gate_c: invalid frame count '%s'\n", argv[2]);
		return 2;
	}

	/* On the heap, like a real program's per-queue state: the steps get a pointer, not a constant address. */
	struct user *u = calloc(1, sizeof(*u));
	struct fake_kernel k;
	if (!u)
		abort();
	u->fd = -1;
	u->area = mmap(NULL, (size_t)NUM_FRAMES * FRAME_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (u->area == MAP_FAILED) {
		perror("gate_c: mmap");
		return 1;
	}
	fk_init(&k, u->area, &u->fq, &u->cq, &u->rx, &u->tx, RING_SIZE);
	for (__u32 i = NUM_FRAMES; i-- > 0;) /* address 0 on top, as FramePool.AddAll */
		u->stack[u->nfree++] = (__u64)i * FRAME_SIZE;
	refill(u);

	unsigned char frame[FRAME_LEN];
	make_frame(frame);
	unsigned long long done = 0;
	if (!strcmp(loop, "rx")) {
		while (done < frames) {
			deliver_batch(&k, frame);
			done += rx_step(u);
		}
	} else if (!strcmp(loop, "tx") || !strcmp(loop, "tx-batch")) {
		int batch = !strcmp(loop, "tx-batch");
		while (done < frames) {
			__u32 want = frames - done < BATCH ? (__u32)(frames - done) : BATCH;
			done += batch ? tx_batch_step(u, frame, FRAME_LEN, want) : tx_step(u, frame, FRAME_LEN, want);
			fk_transmit(&k, INT_MAX);
		}
	} else if (!strcmp(loop, "reflect")) {
		while (done < frames) {
			deliver_batch(&k, frame);
			done += reflect_step(u);
			fk_transmit(&k, INT_MAX);
		}
	} else {
		fprintf(stderr, "gate_c: unknown loop '%s'\n", loop);
		return 2;
	}
	printf("loop=%s frames=%llu check=%llu\n", loop, done,
	       (unsigned long long)(u->check + u->rx_frames + u->tx_frames + u->rx_bytes + u->tx_bytes));
	fk_free(&k);
	munmap(u->area, (size_t)NUM_FRAMES * FRAME_SIZE);
	free(u);
	return 0;
}
