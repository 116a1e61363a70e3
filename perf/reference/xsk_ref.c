// SPDX-License-Identifier: MIT
/*
 * xsk_ref: the C reference for XdpAot's macro benchmark.
 *
 * A deliberately plain AF_XDP program on libxdp's xsk.h API that does the same
 * work as `xdpaot sink|gen|reflect`, so the benchmark can report our rate as a
 * ratio to it. Same command line, same JSON schema; only "tool" differs.
 *
 *   xsk_ref sink    -i IF [-q Q] [--mode skb|native] [--duration S] [--warmup S] [--cpu N] [--json]
 *   xsk_ref gen     -i IF [-q Q] [--mode skb|native] [--duration S] [--warmup S] [--cpu N] [--size 64] [--rx] [--json]
 *   xsk_ref reflect -i IF [-q Q] [--mode skb|native] [--duration S] [--warmup S] [--cpu N] [--json]
 *
 * Fixed parameters (the same as our backend's defaults): batch 64, all four
 * rings 2048 entries, frames of 4096 bytes, 4*2048 frames in the UMEM (enough
 * to fill every ring), XDP_USE_NEED_WAKEUP, XDP_COPY (veth has no zero-copy),
 * a LIFO stack of free frames. The XDP program is libxdp's default XSK program,
 * loaded and attached by xsk_socket__create.
 *
 * Timing: gen measures from the start of its loop; sink and reflect from their
 * first received frame. Each first runs --warmup seconds unmeasured, then
 * --duration seconds measured (no --duration: until SIGINT/SIGTERM). CPU time
 * is the getrusage(RUSAGE_SELF) delta over the measured interval only.
 *
 * All three busy-poll their rings (as xdpsock does): the only syscalls are the
 * wakeups the kernel asks for, so a run is one core at 100% and its rate is
 * what the loop can sustain. (Blocking in poll() when idle was tried: on veth
 * the sleep/wake-up cost lands on the sender's CPU and cut rx-only from ~0.95
 * to ~0.66 Mpps, so a faster consumer could look slower. Not used.)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/if_xdp.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <xdp/xsk.h>

#define BATCH 64
#define RING_SIZE 2048
#define FRAME_SIZE 4096u
#define NUM_FRAMES (4 * RING_SIZE)
#define NO_TRAFFIC_TIMEOUT_S 10 /* sink/reflect with --duration give up after this */

enum cmd { CMD_SINK, CMD_GEN, CMD_REFLECT };
static const char *const cmd_names[] = { "sink", "gen", "reflect" };

struct opts {
	enum cmd cmd;
	const char *ifname;
	unsigned queue;
	__u32 xdp_flags; /* 0 = let libxdp choose (native, else skb) */
	double duration, warmup;
	int cpu;
	unsigned size; /* Ethernet frame size incl. 4-byte FCS, as pktgen/xdpsock count it */
	int rx; /* gen only, xsk_ref only: also receive and count (the reflect cell's peer) */
	int json;
};

/* Phases of a run: waiting for traffic (sink/reflect), warm-up, measuring, done. */
enum phase { PH_WAIT, PH_WARMUP, PH_MEASURE, PH_DONE };

struct xsk {
	void *area;
	struct xsk_umem *umem;
	struct xsk_socket *sock;
	struct xsk_ring_prod fq, tx;
	struct xsk_ring_cons cq, rx;
	int fd;
	__u64 stack[NUM_FRAMES]; /* LIFO free frames: the most recently used frame is the cache-warmest */
	__u32 nfree;
	__u32 tx_outstanding; /* submitted to TX, not yet completed */
	__u64 frames, bytes, rx_frames; /* running counters; the report is a delta */
};

static struct {
	enum phase phase;
	__u64 frames0, bytes0, rx_frames0;
	struct timespec t0, t1;
	struct rusage ru0, ru1;
} meas;

static volatile sig_atomic_t g_stop, g_tick;
static const char *prog = "xsk_ref";
static struct xsk *g_xsk; /* set once the socket exists, so die() can detach the program */

static void teardown(struct xsk *x);

static void on_signal(int sig)
{
	if (sig == SIGALRM)
		g_tick = 1;
	else
		g_stop = 1;
}

static void usage(const char *fmt, ...)
{
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		fprintf(stderr, "%s: ", prog);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
		va_end(ap);
	}
	fprintf(stderr,
		"usage: %s sink|gen|reflect -i IFNAME [-q QUEUE] [--mode skb|native]\n"
		"           [--duration SEC] [--warmup SEC] [--cpu N] [--size BYTES] [--rx] [--json]\n",
		prog);
	exit(2);
}

/* libxdp attaches over netlink: a process that exits without xsk_socket__delete
 * leaves the program on the interface (and the next run silently reuses it,
 * whatever --mode says). So every failure after setup goes through here. */
static void fail(void)
{
	if (g_xsk)
		teardown(g_xsk);
	exit(1);
}

static void die(const char *what, int err)
{
	fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(err));
	fail();
}

static double parse_num(const char *name, const char *s, double min, double max)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || v < min || v > max)
		usage("invalid %s '%s' (expected %g..%g)", name, s, min, max);
	return v;
}

static void parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option lopts[] = {
		{ "interface", required_argument, 0, 'i' }, { "queue", required_argument, 0, 'q' },
		{ "mode", required_argument, 0, 'm' },	    { "duration", required_argument, 0, 'd' },
		{ "warmup", required_argument, 0, 'w' },    { "cpu", required_argument, 0, 'c' },
		{ "size", required_argument, 0, 's' },	    { "rx", no_argument, 0, 'r' },
		{ "json", no_argument, 0, 'j' },	    { "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 }
	};
	memset(o, 0, sizeof(*o));
	o->cpu = -1;
	o->size = 64;
	if (argc < 2)
		usage(NULL);
	if (!strcmp(argv[1], "sink"))
		o->cmd = CMD_SINK;
	else if (!strcmp(argv[1], "gen"))
		o->cmd = CMD_GEN;
	else if (!strcmp(argv[1], "reflect"))
		o->cmd = CMD_REFLECT;
	else if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
		usage(NULL);
	else
		usage("unknown command '%s'", argv[1]);
	optind = 2;
	int c;
	while ((c = getopt_long(argc, argv, "i:q:m:d:w:c:s:rjh", lopts, NULL)) != -1) {
		switch (c) {
		case 'i': o->ifname = optarg; break;
		case 'q': o->queue = (unsigned)parse_num("queue", optarg, 0, 1023); break;
		case 'm':
			if (!strcmp(optarg, "skb"))
				o->xdp_flags = XDP_FLAGS_SKB_MODE;
			else if (!strcmp(optarg, "native"))
				o->xdp_flags = XDP_FLAGS_DRV_MODE;
			else
				usage("invalid mode '%s' (expected skb or native)", optarg);
			break;
		case 'd': o->duration = parse_num("duration", optarg, 0.001, 86400); break;
		case 'w': o->warmup = parse_num("warmup", optarg, 0, 3600); break;
		case 'c': o->cpu = (int)parse_num("cpu", optarg, 0, CPU_SETSIZE - 1); break;
		case 's': o->size = (unsigned)parse_num("size", optarg, 64, 1518); break;
		case 'r': o->rx = 1; break;
		case 'j': o->json = 1; break;
		default: usage(NULL);
		}
	}
	if (optind < argc)
		usage("unexpected argument '%s'", argv[optind]);
	if (!o->ifname)
		usage("-i IFNAME is required");
	if (o->rx && o->cmd != CMD_GEN)
		usage("--rx applies to gen only");
}

/* ---- frame accounting: every frame is on the stack, or in exactly one ring ---- */

static inline void push(struct xsk *x, __u64 addr)
{
	/* Rings hand back addr + data offset; the stack keeps frame starts. */
	x->stack[x->nfree++] = addr & ~(__u64)(FRAME_SIZE - 1);
}

static inline __u64 pop(struct xsk *x)
{
	return x->stack[--x->nfree];
}

/* Top the fill ring up from the stack, as far as both allow. */
static void refill(struct xsk *x)
{
	__u32 n = x->nfree, idx;
	if (!n)
		return;
	__u32 room = xsk_prod_nb_free(&x->fq, n);
	if (n > room)
		n = room;
	if (!n || xsk_ring_prod__reserve(&x->fq, n, &idx) != n)
		return;
	for (__u32 i = 0; i < n; i++)
		*xsk_ring_prod__fill_addr(&x->fq, idx + i) = pop(x);
	xsk_ring_prod__submit(&x->fq, n);
}

/* Move completed TX frames back to the stack. */
static void reap(struct xsk *x)
{
	__u32 idx, n = xsk_ring_cons__peek(&x->cq, BATCH, &idx);
	if (!n)
		return;
	for (__u32 i = 0; i < n; i++)
		push(x, *xsk_ring_cons__comp_addr(&x->cq, idx + i));
	xsk_ring_cons__release(&x->cq, n);
	x->tx_outstanding -= n;
}

/* Copy-mode TX only moves frames inside sendto() (32 per call here), so kick
 * while anything is in flight, but only if the kernel asks for it. */
static void kick_tx(struct xsk *x)
{
	if (!x->tx_outstanding || !xsk_ring_prod__needs_wakeup(&x->tx))
		return;
	if (sendto(x->fd, NULL, 0, MSG_DONTWAIT, NULL, 0) < 0 && errno != EAGAIN &&
	    errno != EBUSY && errno != ENOBUFS && errno != ENETDOWN && errno != EINTR)
		die("sendto (TX kick)", errno);
}

/* Nothing received: in zero-copy mode the driver may need a nudge to refill
 * from the fill ring, and says so with the fill ring's need_wakeup flag (copy
 * mode never sets it). Otherwise spin: no syscall on an empty ring. */
static void wake_rx(struct xsk *x)
{
	if (xsk_ring_prod__needs_wakeup(&x->fq))
		recvfrom(x->fd, NULL, 0, MSG_DONTWAIT, NULL, NULL);
}

/* ---- phases and measurement ---- */

static void arm_timer(double sec)
{
	struct itimerval it = { 0 };
	it.it_value.tv_sec = (time_t)sec;
	it.it_value.tv_usec = (suseconds_t)((sec - (double)(time_t)sec) * 1e6);
	if (!it.it_value.tv_sec && !it.it_value.tv_usec)
		it.it_value.tv_usec = 1;
	setitimer(ITIMER_REAL, &it, NULL);
}

static void begin_measure(const struct opts *o, struct xsk *x)
{
	meas.phase = PH_MEASURE;
	meas.frames0 = x->frames;
	meas.bytes0 = x->bytes;
	meas.rx_frames0 = x->rx_frames;
	getrusage(RUSAGE_SELF, &meas.ru0);
	clock_gettime(CLOCK_MONOTONIC, &meas.t0);
	if (o->duration > 0)
		arm_timer(o->duration);
}

static void end_measure(void)
{
	if (meas.phase == PH_MEASURE) {
		clock_gettime(CLOCK_MONOTONIC, &meas.t1);
		getrusage(RUSAGE_SELF, &meas.ru1);
	}
	meas.phase = PH_DONE;
}

/* Traffic (or, for gen, the loop) has started: warm up, then measure. */
static void begin_run(const struct opts *o, struct xsk *x)
{
	if (o->warmup > 0) {
		meas.phase = PH_WARMUP;
		arm_timer(o->warmup);
	} else {
		begin_measure(o, x);
	}
}

/* Handle SIGALRM/SIGINT/SIGTERM outside the handler. Returns 1 to stop the loop. */
static int on_event(const struct opts *o, struct xsk *x)
{
	if (g_stop) {
		if (meas.phase != PH_MEASURE) /* stopped early: report an empty interval */
			begin_measure(o, x);
		end_measure();
		return 1;
	}
	g_tick = 0;
	switch (meas.phase) {
	case PH_WAIT:
		fprintf(stderr, "%s: no frames received on %s queue %u within %d s\n", prog, o->ifname,
			o->queue, NO_TRAFFIC_TIMEOUT_S);
		fail();
		return 1;
	case PH_WARMUP: begin_measure(o, x); return 0;
	default: end_measure(); return 1;
	}
}

static double tv_s(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static void report(const struct opts *o, const struct xsk *x)
{
	double secs = (double)(meas.t1.tv_sec - meas.t0.tv_sec) +
		      (double)(meas.t1.tv_nsec - meas.t0.tv_nsec) / 1e9;
	__u64 frames = x->frames - meas.frames0, bytes = x->bytes - meas.bytes0;
	double user = tv_s(meas.ru1.ru_utime) - tv_s(meas.ru0.ru_utime);
	double sys = tv_s(meas.ru1.ru_stime) - tv_s(meas.ru0.ru_stime);
	double mpps = secs > 0 ? (double)frames / secs / 1e6 : 0;
	double ns = frames ? (user + sys) / (double)frames * 1e9 : 0;
	char extra[64] = "";
	if (o->rx)
		snprintf(extra, sizeof(extra), ",\"rx_frames\":%llu",
			 (unsigned long long)(x->rx_frames - meas.rx_frames0));
	if (o->json)
		printf("{\"tool\":\"xsk_ref\",\"cmd\":\"%s\",\"frames\":%llu,\"bytes\":%llu,"
		       "\"seconds\":%.6f,\"mpps\":%.6f,\"user_s\":%.6f,\"sys_s\":%.6f,"
		       "\"cpu_ns_per_frame\":%.3f%s}\n",
		       cmd_names[o->cmd], (unsigned long long)frames, (unsigned long long)bytes, secs,
		       mpps, user, sys, ns, extra);
	else
		printf("%s %s: %llu frames, %llu bytes in %.3f s = %.3f Mpps; cpu user %.3f s sys %.3f s"
		       " = %.1f ns/frame%s\n",
		       prog, cmd_names[o->cmd], (unsigned long long)frames, (unsigned long long)bytes,
		       secs, mpps, user, sys, ns, extra);
	fflush(stdout);
}

/* ---- the three loops ---- */

static void run_sink(const struct opts *o, struct xsk *x)
{
	while (1) {
		if (g_tick | g_stop)
			if (on_event(o, x))
				return;
		__u32 idx, n = xsk_ring_cons__peek(&x->rx, BATCH, &idx);
		if (!n) {
			wake_rx(x);
			continue;
		}
		if (meas.phase == PH_WAIT)
			begin_run(o, x);
		for (__u32 i = 0; i < n; i++) {
			const struct xdp_desc *d = xsk_ring_cons__rx_desc(&x->rx, idx + i);
			x->bytes += d->len;
			push(x, d->addr);
		}
		xsk_ring_cons__release(&x->rx, n);
		x->frames += n;
		refill(x);
	}
}

/* gen --rx (the reflect cell's peer): count what comes back and hand the frame
 * straight back to the fill ring. RX owns its own frames (the first RING_SIZE),
 * so the prebuilt TX frames are never overwritten; the fill ring always has room
 * for them because each came out of it. */
static void gen_rx(struct xsk *x)
{
	__u32 idx, fidx, n = xsk_ring_cons__peek(&x->rx, BATCH, &idx);
	if (!n || xsk_ring_prod__reserve(&x->fq, n, &fidx) != n) {
		xsk_ring_cons__cancel(&x->rx, n);
		return;
	}
	for (__u32 i = 0; i < n; i++)
		*xsk_ring_prod__fill_addr(&x->fq, fidx + i) =
			xsk_ring_cons__rx_desc(&x->rx, idx + i)->addr & ~(__u64)(FRAME_SIZE - 1);
	xsk_ring_cons__release(&x->rx, n);
	xsk_ring_prod__submit(&x->fq, n);
	x->rx_frames += n;
}

static void run_gen(const struct opts *o, struct xsk *x)
{
	const __u32 len = o->size - 4; /* the NIC/veth adds no FCS in the descriptor */
	begin_run(o, x);
	while (1) {
		if (g_tick | g_stop)
			if (on_event(o, x))
				return;
		/* Count a frame when the kernel completes it, i.e. it has left the socket. */
		__u32 before = x->tx_outstanding;
		reap(x);
		x->frames += before - x->tx_outstanding;
		x->bytes += (__u64)(before - x->tx_outstanding) * len;
		if (o->rx)
			gen_rx(x);
		__u32 n = x->nfree < BATCH ? x->nfree : BATCH, idx;
		__u32 room = xsk_prod_nb_free(&x->tx, n);
		if (n > room)
			n = room;
		if (n && xsk_ring_prod__reserve(&x->tx, n, &idx) == n) {
			for (__u32 i = 0; i < n; i++) {
				struct xdp_desc *d = xsk_ring_prod__tx_desc(&x->tx, idx + i);
				d->addr = pop(x);
				d->len = len;
				d->options = 0;
			}
			xsk_ring_prod__submit(&x->tx, n);
			x->tx_outstanding += n;
		}
		kick_tx(x);
	}
}

static inline void swap_mac(unsigned char *p)
{
	unsigned char t[ETH_ALEN];
	memcpy(t, p, ETH_ALEN);
	memcpy(p, p + ETH_ALEN, ETH_ALEN);
	memcpy(p + ETH_ALEN, t, ETH_ALEN);
}

static void run_reflect(const struct opts *o, struct xsk *x)
{
	while (1) {
		if (g_tick | g_stop)
			if (on_event(o, x))
				return;
		reap(x);
		/* Take only as many frames as TX can hold right now; the rest wait in
		 * RX (and the kernel drops when RX is full), so we never spin on TX. */
		__u32 room = xsk_prod_nb_free(&x->tx, BATCH), idx, tidx = 0;
		__u32 n = xsk_ring_cons__peek(&x->rx, room < BATCH ? room : BATCH, &idx);
		if (n) {
			if (meas.phase == PH_WAIT)
				begin_run(o, x);
			xsk_ring_prod__reserve(&x->tx, n, &tidx); /* cannot fail: room >= n */
			for (__u32 i = 0; i < n; i++) {
				const struct xdp_desc *in = xsk_ring_cons__rx_desc(&x->rx, idx + i);
				struct xdp_desc *out = xsk_ring_prod__tx_desc(&x->tx, tidx + i);
				swap_mac(xsk_umem__get_data(x->area, in->addr));
				out->addr = in->addr; /* same UMEM frame: no copy */
				out->len = in->len;
				out->options = 0;
				x->bytes += in->len;
			}
			xsk_ring_cons__release(&x->rx, n);
			xsk_ring_prod__submit(&x->tx, n);
			x->tx_outstanding += n;
			x->frames += n;
		}
		kick_tx(x);
		refill(x);
		if (!n)
			wake_rx(x);
	}
}

/* ---- setup ---- */

static __u16 ip_csum(const void *data, size_t len)
{
	const __u16 *p = data;
	__u32 sum = 0;
	for (; len > 1; len -= 2)
		sum += *p++;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/* One UDP/IPv4 frame, written once into every TX frame before the loop starts. */
static void build_frame(unsigned char *f, unsigned size, const unsigned char *src_mac)
{
	const unsigned len = size - 4;
	struct ethhdr *eth = (struct ethhdr *)f;
	struct iphdr *ip = (struct iphdr *)(eth + 1);
	struct udphdr *udp = (struct udphdr *)(ip + 1);
	static const unsigned char dst_mac[ETH_ALEN] = { 0x02, 0, 0, 0, 0, 0x02 };
	memset(f, 0, len);
	memcpy(eth->h_dest, dst_mac, ETH_ALEN);
	memcpy(eth->h_source, src_mac, ETH_ALEN);
	eth->h_proto = htons(ETH_P_IP);
	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons((__u16)(len - sizeof(*eth)));
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->saddr = htonl(0x0a000001); /* 10.0.0.1 */
	ip->daddr = htonl(0x0a000002); /* 10.0.0.2 */
	ip->check = ip_csum(ip, sizeof(*ip));
	udp->source = htons(9);
	udp->dest = htons(9);
	udp->len = htons((__u16)(len - sizeof(*eth) - sizeof(*ip)));
	/* UDP checksum 0 = none, legal for IPv4. */
	for (unsigned i = sizeof(*eth) + sizeof(*ip) + sizeof(*udp); i < len; i++)
		f[i] = (unsigned char)i;
}

static void get_mac(const char *ifname, unsigned char *mac)
{
	struct ifreq ifr = { 0 };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (s < 0 || ioctl(s, SIOCGIFHWADDR, &ifr) < 0) {
		char what[64];
		snprintf(what, sizeof(what), "interface %s: SIOCGIFHWADDR", ifname);
		die(what, errno);
	}
	memcpy(mac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	close(s);
}

static void setup(const struct opts *o, struct xsk *x)
{
	const size_t area_len = (size_t)NUM_FRAMES * FRAME_SIZE;
	char what[128];
	int err;

	if (!if_nametoindex(o->ifname)) {
		fprintf(stderr, "%s: interface %s: %s\n", prog, o->ifname, strerror(errno));
		exit(1);
	}
	/* MAP_POPULATE: take the page faults now, not in the measured loop. */
	x->area = mmap(NULL, area_len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (x->area == MAP_FAILED)
		die("mmap UMEM", errno);

	struct xsk_umem_config ucfg = {
		.fill_size = RING_SIZE,
		.comp_size = RING_SIZE,
		.frame_size = FRAME_SIZE,
		.frame_headroom = 0,
		.flags = 0,
	};
	err = xsk_umem__create(&x->umem, x->area, area_len, &x->fq, &x->cq, &ucfg);
	if (err)
		die("xsk_umem__create", -err);

	struct xsk_socket_config scfg = {
		.rx_size = RING_SIZE,
		.tx_size = RING_SIZE,
		.libxdp_flags = 0, /* let libxdp load and attach its default XSK program */
		.xdp_flags = o->xdp_flags,
		/* veth has no zero-copy: force copy so both tools measure the same path. */
		.bind_flags = XDP_USE_NEED_WAKEUP | XDP_COPY,
	};
	/* The socket is released asynchronously after a previous user closed it:
	 * retry EBUSY briefly (TOOLCHAIN.md). */
	for (int tries = 0;; tries++) {
		err = xsk_socket__create(&x->sock, o->ifname, o->queue, x->umem, &x->rx, &x->tx, &scfg);
		if (err != -EBUSY || tries == 50)
			break;
		usleep(20000);
	}
	if (err) {
		snprintf(what, sizeof(what), "xsk_socket__create on %s queue %u (mode %s)", o->ifname,
			 o->queue,
			 o->xdp_flags == XDP_FLAGS_SKB_MODE ? "skb" :
			 o->xdp_flags == XDP_FLAGS_DRV_MODE ? "native" : "auto");
		die(what, -err);
	}
	x->fd = xsk_socket__fd(x->sock);
	g_xsk = x;

	/* Frame ownership. gen: all frames carry the prebuilt packet and start on the
	 * stack (with --rx the first RING_SIZE go to the fill ring instead and stay
	 * RX-only). sink/reflect: all frames on the stack; refill() fills the ring. */
	__u32 first = 0;
	if (o->cmd == CMD_GEN) {
		unsigned char mac[ETH_ALEN];
		get_mac(o->ifname, mac);
		if (o->rx) {
			__u32 idx;
			if (xsk_ring_prod__reserve(&x->fq, RING_SIZE, &idx) != RING_SIZE)
				die("fill ring reserve", ENOSPC);
			for (__u32 i = 0; i < RING_SIZE; i++)
				*xsk_ring_prod__fill_addr(&x->fq, idx + i) = (__u64)i * FRAME_SIZE;
			xsk_ring_prod__submit(&x->fq, RING_SIZE);
			first = RING_SIZE;
		}
		for (__u32 i = first; i < NUM_FRAMES; i++)
			build_frame((unsigned char *)x->area + (size_t)i * FRAME_SIZE, o->size, mac);
	}
	/* Push in reverse so the lowest addresses are popped first. */
	for (__u32 i = NUM_FRAMES; i > first; i--)
		push(x, (__u64)(i - 1) * FRAME_SIZE);
	if (o->cmd != CMD_GEN)
		refill(x);
}

static void teardown(struct xsk *x)
{
	/* Socket first (libxdp detaches its program), then the UMEM, then memory:
	 * a socket with mapped rings is not released (TOOLCHAIN.md). */
	xsk_socket__delete(x->sock);
	xsk_umem__delete(x->umem);
	munmap(x->area, (size_t)NUM_FRAMES * FRAME_SIZE);
}

int main(int argc, char **argv)
{
	static struct xsk x; /* ~64 KiB of stack array: keep it off the stack */
	struct opts o;

	parse_args(argc, argv, &o);
	if (o.cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(o.cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set)) {
			fprintf(stderr, "%s: pin to cpu %d: %s\n", prog, o.cpu, strerror(errno));
			return 1;
		}
	}
	/* The handlers only set flags; the loop checks them once per iteration. */
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);

	setup(&o, &x);
	fprintf(stderr, "%s: %s ready on %s queue %u\n", prog, cmd_names[o.cmd], o.ifname, o.queue);

	meas.phase = PH_WAIT;
	if (o.cmd != CMD_GEN && o.duration > 0)
		arm_timer(NO_TRAFFIC_TIMEOUT_S);
	if (o.cmd == CMD_SINK)
		run_sink(&o, &x);
	else if (o.cmd == CMD_GEN)
		run_gen(&o, &x);
	else
		run_reflect(&o, &x);

	report(&o, &x);
	teardown(&x);
	return 0;
}
