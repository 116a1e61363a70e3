/* nettool: the test guest's traffic tool (raw AF_PACKET frames, UDP, echo, ethtool channels).
 * Results go to stdout (the serial console) as marker lines the host parses:
 *   XDPAOT-RESULT <tag>.<key>=<value> ...    counters, one line per report
 *   XDPAOT-EVENT <tag>.<name>                 a moment the host timestamps (first frame received)
 *   XDPAOT-LOG <tag>: <text>                  diagnostics (the first few bad frames)
 * It is linked statically so it also runs on the host, inside a test's network namespace. */
#ifndef NETTOOL_H
#define NETTOOL_H

#include <stddef.h>
#include <stdint.h>

/* IEEE 802 "local experimental" EtherType: nothing else in the guest sends it, so counting is exact. */
#define NETTOOL_ETHERTYPE 0x88B5
#define NETTOOL_ETH_HLEN 14

struct opts {
    const char *ifname;     /* -i */
    const char *addr;       /* -a  UDP destination (IPv4) */
    unsigned port;          /* -p  UDP port */
    unsigned long count;    /* -n  frames/datagrams (echo: 0 = no limit) */
    unsigned size;          /* -s  raw: frame size without FCS; UDP: payload size */
    double timeout;         /* -w  seconds: overall limit, or idle limit for echo (0 = none) */
    unsigned window;        /* -W  raw-roundtrip: frames in flight at most */
    unsigned streams;       /* -c  raw-roundtrip: senders, each pinned to its own CPU (its own TX queue) */
    unsigned long rate;     /* -r  frames per second, 0 = as fast as the socket takes them */
    uint8_t peer[6];        /* -d  destination MAC of sent frames */
    int have_peer;
    int expect_same;        /* -m same: frames come back unchanged (default "swapped": MACs swapped) */
    const char *tag;        /* -t  prefix of every reported key */
};

/* report.c */
void report_begin(const char *tag);
void report_u64(const char *key, unsigned long long value);
void report_end(void);
void report_event(const char *tag, const char *name);
void report_log(const char *tag, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
uint64_t now_us(void);

/* payload.c: the test payload carried by raw frames (after the Ethernet header) and UDP datagrams. */
#define PAYLOAD_MIN 12
enum payload_check { PAYLOAD_OK, PAYLOAD_FOREIGN, PAYLOAD_BAD };
void payload_fill(uint8_t *p, size_t len, uint16_t stream, uint32_t seq);
enum payload_check payload_check(const uint8_t *p, size_t len, uint16_t *stream, uint32_t *seq, const char **why);

/* seen.c: which sequence numbers arrived (duplicates are counted, not accepted twice). */
struct seen {
    uint8_t *bits;
    unsigned long n;
};
int seen_init(struct seen *s, unsigned long n);
/* 1 if seq is new and in range, 0 if a duplicate, -1 if out of range. */
int seen_mark(struct seen *s, uint32_t seq);
void seen_free(struct seen *s);

/* The modes; each returns the process exit code (0: everything arrived and was correct). */
int raw_send(const struct opts *o);
int raw_recv(const struct opts *o);
int raw_roundtrip(const struct opts *o);
int raw_echo(const struct opts *o);
int udp_send(const struct opts *o);
int udp_recv(const struct opts *o);
int udp_echo(const struct opts *o);
int channels_set(const struct opts *o);

#endif
