// SPDX-License-Identifier: MIT
#include "fake_kernel.h"

#include <stdlib.h>
#include <string.h>

enum { OFF_PRODUCER = 0, OFF_CONSUMER = 64, OFF_FLAGS = 128, OFF_DESC = 192 };

static unsigned char *block(struct fake_kernel *k, int i, uint32_t entries, uint32_t entry_size)
{
	unsigned char *p = calloc(1, OFF_DESC + (size_t)entries * entry_size);
	if (!p)
		abort();
	k->blocks[i] = p;
	return p;
}

/* As RingSetup.InitProducer / libxdp: everything the kernel has not consumed plus one lap is free. */
static void init_prod(struct xsk_ring_prod *r, unsigned char *map, uint32_t size)
{
	r->producer = (uint32_t *)(map + OFF_PRODUCER);
	r->consumer = (uint32_t *)(map + OFF_CONSUMER);
	r->flags = (uint32_t *)(map + OFF_FLAGS);
	r->ring = map + OFF_DESC;
	r->mask = size - 1;
	r->size = size;
	r->cached_prod = *r->producer;
	r->cached_cons = *r->consumer + size;
}

static void init_cons(struct xsk_ring_cons *r, unsigned char *map, uint32_t size)
{
	r->producer = (uint32_t *)(map + OFF_PRODUCER);
	r->consumer = (uint32_t *)(map + OFF_CONSUMER);
	r->flags = (uint32_t *)(map + OFF_FLAGS);
	r->ring = map + OFF_DESC;
	r->mask = size - 1;
	r->size = size;
	r->cached_prod = *r->producer;
	r->cached_cons = *r->consumer;
}

void fk_init(struct fake_kernel *k, unsigned char *umem, struct xsk_ring_prod *fill, struct xsk_ring_cons *comp,
	     struct xsk_ring_cons *rx, struct xsk_ring_prod *tx, uint32_t ring_size)
{
	k->umem = umem;
	k->fill = fill;
	k->comp = comp;
	k->rx = rx;
	k->tx = tx;
	init_prod(fill, block(k, 0, ring_size, sizeof(uint64_t)), ring_size);
	init_cons(comp, block(k, 1, ring_size, sizeof(uint64_t)), ring_size);
	init_cons(rx, block(k, 2, ring_size, sizeof(struct xdp_desc)), ring_size);
	init_prod(tx, block(k, 3, ring_size, sizeof(struct xdp_desc)), ring_size);
}

void fk_free(struct fake_kernel *k)
{
	for (int i = 0; i < 4; i++)
		free(k->blocks[i]);
}

int fk_deliver(struct fake_kernel *k, const unsigned char *frame, uint32_t len)
{
	struct xsk_ring_prod *fill = k->fill;
	struct xsk_ring_cons *rx = k->rx;
	if (__atomic_load_n(fill->producer, __ATOMIC_ACQUIRE) - *fill->consumer == 0)
		return 0;
	if (*rx->producer - __atomic_load_n(rx->consumer, __ATOMIC_ACQUIRE) >= rx->size)
		return 0;
	uint32_t fc = *fill->consumer;
	uint64_t addr = ((uint64_t *)fill->ring)[fc & fill->mask];
	__atomic_store_n(fill->consumer, fc + 1, __ATOMIC_RELEASE);
	memcpy(k->umem + addr, frame, len);
	uint32_t rp = *rx->producer;
	struct xdp_desc *d = &((struct xdp_desc *)rx->ring)[rp & rx->mask];
	d->addr = addr;
	d->len = len;
	d->options = 0;
	__atomic_store_n(rx->producer, rp + 1, __ATOMIC_RELEASE);
	return 1;
}

int fk_transmit(struct fake_kernel *k, int max)
{
	struct xsk_ring_prod *tx = k->tx;
	struct xsk_ring_cons *comp = k->comp;
	int n = 0;
	while (n < max && __atomic_load_n(tx->producer, __ATOMIC_ACQUIRE) != *tx->consumer) {
		if (*comp->producer - __atomic_load_n(comp->consumer, __ATOMIC_ACQUIRE) >= comp->size)
			break;
		uint32_t tc = *tx->consumer;
		struct xdp_desc d = ((struct xdp_desc *)tx->ring)[tc & tx->mask];
		__atomic_store_n(tx->consumer, tc + 1, __ATOMIC_RELEASE);
		uint32_t cp = *comp->producer;
		((uint64_t *)comp->ring)[cp & comp->mask] = d.addr;
		__atomic_store_n(comp->producer, cp + 1, __ATOMIC_RELEASE);
		n++;
	}
	return n;
}
