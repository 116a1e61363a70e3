/* Time from dlopen() to a working port, as a VMM that loads the backend as a plugin sees it: dlopen, the first
 * call (the .NET runtime starts), xdpaot_open on one end of a veth pair, and the first frame through it to a
 * second port on the other end. Also reports what loading the library changed in the process: threads and
 * signal handlers. Prints one line of key=value figures; fails only if something does not work.
 * usage: dlopen_timing <path/to/libxdpaot.so> <ifA> <ifB> [more options for ifA, e.g. mode=skb] */
#include "test_util.h"
#include <dirent.h>
#include <dlfcn.h>
#include <signal.h>

static int thread_count(void)
{
    int n = 0;
    DIR *d = opendir("/proc/self/task");
    CHECK(d != NULL, "opendir");
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static int got_frame(void *ctx, const void *frame, uint32_t len)
{
    *(int *)ctx += is_test_frame(frame, len);
    return 0;
}

#define LOAD(name) __typeof__(name) *p_##name = (__typeof__(name) *)dlsym(lib, #name); CHECK(p_##name, "dlsym(%s)", #name)

int main(int argc, char **argv)
{
    CHECK(argc == 4 || argc == 5, "usage: %s <libxdpaot.so> <ifA> <ifB> [options]", argv[0]);
    struct sigaction before[65];
    for (int s = 1; s < 65; s++)
        sigaction(s, NULL, &before[s]);
    int threads_before = thread_count();

    uint64_t t0 = now_ns();
    void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    CHECK(lib != NULL, "dlopen: %s", dlerror());
    uint64_t t_dlopen = now_ns();
    LOAD(xdpaot_version);
    LOAD(xdpaot_open);
    LOAD(xdpaot_close);
    LOAD(xdpaot_send);
    LOAD(xdpaot_recv);
    LOAD(xdpaot_flush);
    LOAD(xdpaot_queue_fd);
    const char *version = p_xdpaot_version();
    uint64_t t_first_call = now_ns();

    char opts_a[256], opts[128], err[256];
    xdpaot_port *a = NULL, *b = NULL;
    snprintf(opts_a, sizeof opts_a, "ifname=%s%s%s", argv[2], argc == 5 ? "," : "", argc == 5 ? argv[4] : "");
    int rc = p_xdpaot_open(opts_a, &a, err, sizeof err);
    CHECK(rc == 0, "open %s: %d %s", opts_a, rc, err);
    uint64_t t_open = now_ns();
    snprintf(opts, sizeof opts, "ifname=%s", argv[3]);
    rc = p_xdpaot_open(opts, &b, err, sizeof err);
    CHECK(rc == 0, "open %s: %d %s", opts, rc, err);
    uint64_t t_open_b = now_ns();

    uint8_t frame[TEST_MAX_LEN];
    make_frame(frame, frame_len(0), 'T', 0);
    struct iovec iov = {frame, frame_len(0)};
    CHECK(p_xdpaot_send(a, 0, &iov, 1) > 0, "send");
    int got = 0;
    while (!got) {
        CHECK(now_ns() - t_open_b < 5000000000ull, "first frame did not arrive in 5 s");
        p_xdpaot_flush(a, 0);
        struct pollfd pfd = {p_xdpaot_queue_fd(b, 0), POLLIN, 0};
        poll(&pfd, 1, 1);
        p_xdpaot_recv(b, 0, got_frame, &got, 64);
    }
    uint64_t t_frame = now_ns();
    int threads_after = thread_count();

    char changed[512] = "";
    for (int s = 1; s < 65; s++) {
        struct sigaction now;
        sigaction(s, NULL, &now);
        if (now.sa_handler == before[s].sa_handler && now.sa_flags == before[s].sa_flags)
            continue;
        char name[32];
        if (s < SIGRTMIN)
            snprintf(name, sizeof name, "SIG%s", sigabbrev_np(s));
        else
            snprintf(name, sizeof name, "SIGRTMIN+%d", s - SIGRTMIN);
        size_t len = strlen(changed);
        snprintf(changed + len, sizeof changed - len, "%s%s", len ? "," : "", name);
    }
    p_xdpaot_close(a);
    p_xdpaot_close(b);
    printf("opts=%s version=%s dlopen_ms=%.2f first_call_ms=%.2f open_ms=%.2f first_frame_ms=%.2f "
           "dlopen_to_working_port_ms=%.2f threads_added=%d signals_changed=%s\n",
           opts_a, version, (t_dlopen - t0) / 1e6, (t_first_call - t_dlopen) / 1e6, (t_open - t_first_call) / 1e6,
           (t_frame - t_open_b) / 1e6, (t_open - t0) / 1e6, threads_after - threads_before,
           changed[0] ? changed : "none");
    return 0;
}
