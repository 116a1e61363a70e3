/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Kernel AF_XDP UAPI that is newer than the distribution's headers (Debian 12 ships Linux 6.1 UAPI; the kernels we
 * run on have multi-buffer and TX metadata). Every value is copied from the kernel's include/uapi/linux/if_xdp.h
 * (as synced into libbpf's include/uapi/linux/if_xdp.h) and guarded with #ifndef, so newer system headers win.
 *
 * Not fixable here: struct xdp_umem_reg grew a trailing `__u32 tx_metadata_len` (at offset 28) in Linux 6.8.
 * A struct cannot be extended from outside, so the generated xdp_umem_reg is whatever the system header says: on
 * 6.1 headers it is still 32 bytes (24 + flags + 4 bytes of tail padding) and tx_metadata_len lives in that padding.
 */
#ifndef XDPAOT_UAPI_H
#define XDPAOT_UAPI_H

#include <linux/types.h>
#include <linux/if_xdp.h>

/* sxdp_flags: the application handles multi-buffer packets (Linux 6.6). */
#ifndef XDP_USE_SG
#define XDP_USE_SG (1 << 4)
#endif

/* xdp_umem_reg.flags (Linux 5.4). */
#ifndef XDP_UMEM_UNALIGNED_CHUNK_FLAG
#define XDP_UMEM_UNALIGNED_CHUNK_FLAG (1 << 0)
#endif

/* xdp_umem_reg.flags: compute TX checksums in software (copy mode only; Linux 6.11). */
#ifndef XDP_UMEM_TX_SW_CSUM
#define XDP_UMEM_TX_SW_CSUM (1 << 1)
#endif

/* xdp_umem_reg.flags: reserve tx_metadata_len bytes of metadata before each TX frame (Linux 6.11). */
#ifndef XDP_UMEM_TX_METADATA_LEN
#define XDP_UMEM_TX_METADATA_LEN (1 << 2)
#endif

/* Socket option: maximum number of frames sent per TX kick in copy mode (Linux 6.16). */
#ifndef XDP_MAX_TX_SKB_BUDGET
#define XDP_MAX_TX_SKB_BUDGET 9
#endif

/* xdp_desc.options: the packet continues in the next descriptor (multi-buffer, Linux 6.6). */
#ifndef XDP_PKT_CONTD
#define XDP_PKT_CONTD (1 << 0)
#endif

/* xdp_desc.options: the TX frame carries a struct xsk_tx_metadata before it (Linux 6.8). */
#ifndef XDP_TX_METADATA
#define XDP_TX_METADATA (1 << 1)
#endif

/* struct xsk_tx_metadata.flags and the struct itself (Linux 6.8). */
#ifndef XDP_TXMD_FLAGS_TIMESTAMP
#define XDP_TXMD_FLAGS_TIMESTAMP (1 << 0)
#define XDP_TXMD_FLAGS_CHECKSUM (1 << 1)

/* 24 bytes: flags, then `request` (what the driver reads at TX) overlaid with `completion` (what it writes back). */
struct xsk_tx_metadata {
	__u64 flags;

	union {
		struct {
			/* XDP_TXMD_FLAGS_CHECKSUM: where checksumming starts (from desc->addr) and where the sum goes
			 * (from csum_start). */
			__u16 csum_start;
			__u16 csum_offset;
			__u32 reserved;

			/* XDP_TXMD_FLAGS_LAUNCH_TIME: launch time in ns against the PTP hardware clock. */
			__u64 launch_time;
		} request;

		struct {
			/* XDP_TXMD_FLAGS_TIMESTAMP */
			__u64 tx_timestamp;
		} completion;
	};
};
#endif

/* Launch-time offload request (Linux 6.14; a 6.8..6.13 header has the struct without launch_time). */
#ifndef XDP_TXMD_FLAGS_LAUNCH_TIME
#define XDP_TXMD_FLAGS_LAUNCH_TIME (1 << 2)
#endif

#endif /* XDPAOT_UAPI_H */
