/* Open/close with good and bad option strings (error texts checked), NULL and out-of-range arguments on
 * every function, error-text truncation, and the stats size protocol.
 * usage: open_test <ifname>   (an interface with one queue, e.g. one end of a veth pair) */
#include "test_util.h"

static char ifname[64];

/* Opens with the given options (a format with one %s for the interface), expects failure with rc and a
 * message containing `text`; checks *out is NULL afterwards. */
static void expect_open_error(const char *fmt, int rc, const char *text)
{
    char opts[512], err[512];
    snprintf(opts, sizeof opts, fmt, ifname);
    xdpaot_port *p = (xdpaot_port *)&p; /* not NULL: open must clear it */
    int got = xdpaot_open(opts, &p, err, sizeof err);
    CHECK(got == rc, "xdpaot_open(\"%s\") = %d, expected %d (err: %s)", opts, got, rc, err);
    CHECK(p == NULL, "xdpaot_open(\"%s\") failed but left *out = %p", opts, (void *)p);
    CHECK(strstr(err, text) != NULL, "xdpaot_open(\"%s\"): error text \"%s\" lacks \"%s\"", opts, err, text);
    printf("ok  bad options %-50s -> %d \"%s\"\n", opts, got, err);
}

static void expect_open_ok(const char *fmt)
{
    char opts[512], err[512];
    snprintf(opts, sizeof opts, fmt, ifname);
    memset(err, 'x', sizeof err);
    xdpaot_port *p = NULL;
    int rc = xdpaot_open(opts, &p, err, sizeof err);
    CHECK(rc == 0 && p != NULL, "xdpaot_open(\"%s\") = %d: %s", opts, rc, err);
    CHECK(memchr(err, 0, sizeof err) != NULL, "err not NUL-terminated on success");
    CHECK_EQ(xdpaot_queue_count(p), 1);
    CHECK(xdpaot_queue_fd(p, 0) >= 0, "queue fd %d", xdpaot_queue_fd(p, 0));
    CHECK((xdpaot_wants(p, 0) & POLLIN) != 0, "wants %d", xdpaot_wants(p, 0));
    xdpaot_close(p);
    printf("ok  good options %s (warnings: \"%s\")\n", opts, err);
}

static int refuse_all(void *ctx, const void *frame, uint32_t len)
{
    (void)ctx, (void)frame, (void)len;
    return 1;
}

static void null_and_range_arguments(void)
{
    char err[256];
    xdpaot_port *p = NULL;

    /* xdpaot_open's own arguments */
    CHECK_EQ(xdpaot_open(NULL, &p, err, sizeof err), -EINVAL);
    CHECK(strstr(err, "opts") != NULL, "NULL opts: \"%s\"", err);
    CHECK_EQ(xdpaot_open("ifname=lo", NULL, err, sizeof err), -EINVAL);
    CHECK(strstr(err, "out") != NULL, "NULL out: \"%s\"", err);
    CHECK_EQ(xdpaot_open("bogus", &p, NULL, 0), -EINVAL);            /* no error buffer: fine */
    CHECK_EQ(xdpaot_open("bogus", &p, NULL, 100), -EINVAL);          /* NULL buffer with a length: fine */
    CHECK(p == NULL, "p set");

    /* a NULL port, everywhere */
    uint8_t byte = 0;
    struct iovec iov = {&byte, 1};
    xdpaot_frame frames[4];
    xdpaot_stats st;
    memset(&st, 0, sizeof st);
    st.size = sizeof st;
    xdpaot_close(NULL);
    CHECK_EQ(xdpaot_queue_count(NULL), -EINVAL);
    CHECK_EQ(xdpaot_queue_fd(NULL, 0), -EINVAL);
    CHECK_EQ(xdpaot_wants(NULL, 0), -EINVAL);
    CHECK_EQ(xdpaot_send(NULL, 0, &iov, 1), -EINVAL);
    CHECK_EQ(xdpaot_flush(NULL, 0), -EINVAL);
    CHECK_EQ(xdpaot_recv(NULL, 0, refuse_all, NULL, 64), -EINVAL);
    CHECK_EQ(xdpaot_recv_peek(NULL, 0, frames, 4), -EINVAL);
    CHECK_EQ(xdpaot_recv_release(NULL, 0, 0), -EINVAL);
    CHECK_EQ(xdpaot_get_stats(NULL, 0, &st), -EINVAL);

    /* a real port: queue index out of range, and NULL or bad per-call arguments */
    char opts[128];
    snprintf(opts, sizeof opts, "ifname=%s", ifname);
    p = open_port(opts);
    uint32_t bad[] = {1, 2, 1000, UINT32_MAX};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint32_t q = bad[i];
        CHECK_EQ(xdpaot_queue_fd(p, q), -EINVAL);
        CHECK_EQ(xdpaot_wants(p, q), -EINVAL);
        CHECK_EQ(xdpaot_send(p, q, &iov, 1), -EINVAL);
        CHECK_EQ(xdpaot_flush(p, q), -EINVAL);
        CHECK_EQ(xdpaot_recv(p, q, refuse_all, NULL, 64), -EINVAL);
        CHECK_EQ(xdpaot_recv_peek(p, q, frames, 4), -EINVAL);
        CHECK_EQ(xdpaot_recv_release(p, q, 0), -EINVAL);
        CHECK_EQ(xdpaot_get_stats(p, q, &st), -EINVAL);
    }
    CHECK_EQ(xdpaot_send(p, 0, NULL, 1), -EINVAL);
    CHECK_EQ(xdpaot_send(p, 0, &iov, 0), -EINVAL);
    CHECK_EQ(xdpaot_send(p, 0, &iov, -1), -EINVAL);
    CHECK_EQ(xdpaot_send(p, 0, &iov, 1025), -EINVAL);
    struct iovec null_base = {NULL, 60};
    CHECK_EQ(xdpaot_send(p, 0, &null_base, 1), -EINVAL);
    struct iovec empty = {NULL, 0};
    CHECK_EQ(xdpaot_send(p, 0, &empty, 1), -EINVAL);
    CHECK_EQ(xdpaot_recv(p, 0, NULL, NULL, 64), -EINVAL);
    CHECK_EQ(xdpaot_recv(p, 0, refuse_all, NULL, 0), 0);
    CHECK_EQ(xdpaot_recv_peek(p, 0, NULL, 4), -EINVAL);
    CHECK_EQ(xdpaot_recv_peek(p, 0, NULL, 0), 0);
    CHECK_EQ(xdpaot_recv_release(p, 0, 1), -EINVAL);                 /* nothing peeked */
    CHECK_EQ(xdpaot_recv_release(p, 0, 0), 0);
    CHECK_EQ(xdpaot_get_stats(p, 0, NULL), -EINVAL);

    /* an oversize frame is dropped and counted, and its size returned (QEMU's behaviour) */
    static uint8_t big[9000];
    make_frame(big, sizeof big, 1, 0);
    struct iovec big_iov = {big, sizeof big};
    CHECK_EQ(xdpaot_send(p, 0, &big_iov, 1), (int)sizeof big);
    xdpaot_stats s = get_stats(p, 0);
    CHECK_EQ(s.tx_oversize, 1);
    CHECK_EQ(s.tx_packets, 0);

    /* stats: size 0 (forgotten) and too small are refused; a shorter struct gets whole counters only */
    memset(&st, 0, sizeof st);
    CHECK_EQ(xdpaot_get_stats(p, 0, &st), -EINVAL);
    st.size = 15;
    CHECK_EQ(xdpaot_get_stats(p, 0, &st), -EINVAL);
    uint8_t raw[sizeof(xdpaot_stats) + 16];
    memset(raw, 0xAB, sizeof raw);
    uint32_t shorter = (uint32_t)offsetof(xdpaot_stats, tx_oversize) + 4; /* ends inside tx_oversize */
    memcpy(raw, &shorter, 4);
    CHECK_EQ(xdpaot_get_stats(p, 0, (xdpaot_stats *)(void *)raw), 0);
    uint32_t filled;
    memcpy(&filled, raw, 4);
    CHECK_EQ(filled, offsetof(xdpaot_stats, tx_oversize));
    for (size_t i = filled; i < sizeof raw; i++)
        CHECK(raw[i] == 0xAB, "byte %zu after the filled counters was written", i);
    uint8_t big_struct[sizeof(xdpaot_stats) + 64];                  /* a newer caller's bigger struct */
    memset(big_struct, 0xCD, sizeof big_struct);
    uint32_t bigger = sizeof big_struct;
    memcpy(big_struct, &bigger, 4);
    CHECK_EQ(xdpaot_get_stats(p, 0, (xdpaot_stats *)(void *)big_struct), 0);
    memcpy(&filled, big_struct, 4);
    CHECK_EQ(filled, sizeof(xdpaot_stats));
    for (size_t i = sizeof(xdpaot_stats); i < sizeof big_struct; i++)
        CHECK(big_struct[i] == 0xCD, "byte %zu beyond xdpaot_stats was written", i);

    xdpaot_close(p);
    printf("ok  NULL and out-of-range arguments\n");
}

static void error_text_truncation(void)
{
    const char *opts = "ifname=x,colour=blue";
    char full[512];
    xdpaot_port *p;
    CHECK_EQ(xdpaot_open(opts, &p, full, sizeof full), -EINVAL);
    size_t n = strlen(full);
    CHECK(n > 20, "message \"%s\" too short to test truncation", full);

    char small[16];
    memset(small, 'x', sizeof small);
    CHECK_EQ(xdpaot_open(opts, &p, small, sizeof small), -EINVAL);
    CHECK_EQ(strlen(small), sizeof small - 1);
    CHECK(strncmp(small, full, sizeof small - 1) == 0, "\"%s\" is not a prefix of \"%s\"", small, full);

    char one[1] = {'x'};
    CHECK_EQ(xdpaot_open(opts, &p, one, 1), -EINVAL);
    CHECK_EQ(one[0], 0);

    char untouched[4] = {'x', 'y', 'z', 'w'};
    CHECK_EQ(xdpaot_open(opts, &p, untouched, 0), -EINVAL);
    CHECK(untouched[0] == 'x', "errlen 0 but err was written");

    /* UTF-8: a message is never cut inside a character */
    char utf[64];
    CHECK_EQ(xdpaot_open("ifname=x,f\xc3\xa4rbe=1", &p, utf, sizeof utf), -EINVAL);
    for (size_t cut = 1; cut <= strlen(utf) + 1; cut++) {
        char part[64];
        memset(part, 'x', sizeof part);
        xdpaot_open("ifname=x,f\xc3\xa4rbe=1", &p, part, cut);
        size_t len = strlen(part);
        CHECK(len < cut, "cut %zu: length %zu", cut, len);
        CHECK(len == 0 || (unsigned char)part[len - 1] != 0xc3, "cut %zu splits a character: \"%s\"", cut, part);
    }
    printf("ok  error text truncation (full: \"%s\")\n", full);
}

int main(int argc, char **argv)
{
    CHECK(argc == 2, "usage: %s <ifname>", argv[0]);
    snprintf(ifname, sizeof ifname, "%s", argv[1]);

    char version[32];
    snprintf(version, sizeof version, "%d.%d.%d", XDPAOT_VERSION_MAJOR, XDPAOT_VERSION_MINOR, XDPAOT_VERSION_PATCH);
    CHECK(strcmp(xdpaot_version(), XDPAOT_VERSION) == 0, "library %s, header %s", xdpaot_version(), XDPAOT_VERSION);
    CHECK(strcmp(version, XDPAOT_VERSION) == 0, "XDPAOT_VERSION %s vs %s", XDPAOT_VERSION, version);
    printf("ok  version %s\n", xdpaot_version());

    expect_open_ok("ifname=%s");
    expect_open_ok("ifname=%s,mode=skb");
    expect_open_ok("af-xdp,ifname=%s,queues=1,start-queue=0,force-copy=on");
    expect_open_ok("ifname=%s,mode=native,loader=builtin,tx-size=256,rx-size=512");

    expect_open_error("", -EINVAL, "'ifname' is required");
    expect_open_error("mode=skb", -EINVAL, "'ifname' is required");
    expect_open_error("ifname=%s,mode=turbo", -EINVAL, "mode='turbo': expected 'native' or 'skb'");
    expect_open_error("ifname=%s,colour=blue", -EINVAL, "unknown option 'colour'");
    expect_open_error("ifname=%s,queues=zero", -EINVAL, "queues='zero': not an integer");
    expect_open_error("ifname=%s,queues=0", -EINVAL, "queues=0: must be at least 1");
    expect_open_error("ifname=%s,force-copy=maybe", -EINVAL, "force-copy='maybe': expected 'on' or 'off'");
    expect_open_error("ifname=%s,sock-fds=3", -EINVAL, "'sock-fds' requires inhibit=on");
    expect_open_error("ifname=%s,inhibit=on", -EINVAL, "inhibit=on requires 'sock-fds' or 'map-path'");
    expect_open_error("ifname=%s,ifname=eth9", -EINVAL, "duplicate option 'ifname'");
    expect_open_error("ifname=%s,start-queue=64", -EINVAL, "start-queue=64 is out of range");
    expect_open_error("ifname=nosuchif0", -ENODEV, "nosuchif0");

    null_and_range_arguments();
    error_text_truncation();
    printf("PASS open_test\n");
    return 0;
}
