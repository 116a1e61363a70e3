// SPDX-License-Identifier: MIT
/*
 * The kernel's side of the four AF_XDP rings, in plain memory: the C twin of
 * tests/XdpAot.Tests/Fakes/FakeKernel.cs. Same ring layout (indices on their own
 * cache lines: producer at 0, consumer at 64, flags at 128, descriptors at 192),
 * same initial cached indices as libxdp's xsk_socket__create, same deliver and
 * transmit behaviour, so the instruction-count gate compares like with like.
 */
#ifndef FAKE_KERNEL_H
#define FAKE_KERNEL_H

#include <stdint.h>
#include <xdp/xsk.h>

struct fake_kernel {
	struct xsk_ring_prod *fill, *tx;
	struct xsk_ring_cons *comp, *rx;
	unsigned char *umem;
	void *blocks[4];
};

/* Points the four user-side ring structs at fresh zeroed ring memory. */
void fk_init(struct fake_kernel *k, unsigned char *umem, struct xsk_ring_prod *fill, struct xsk_ring_cons *comp,
	     struct xsk_ring_cons *rx, struct xsk_ring_prod *tx, uint32_t ring_size);
void fk_free(struct fake_kernel *k);

/* "Receives" a frame: takes a Fill address, copies the bytes there, produces an RX descriptor. 0 if Fill is empty or RX full. */
int fk_deliver(struct fake_kernel *k, const unsigned char *frame, uint32_t len);

/* "Transmits": consumes up to max TX descriptors into the Completion ring; returns how many. */
int fk_transmit(struct fake_kernel *k, int max);

#endif
