// The header from C++ (g++ -std=c++17 -Wall -Wextra -Werror): extern "C" linkage, static_assert layout checks,
// and a lambda as the receive callback.
#include <xdpaot.h>
#include <cstdio>
#include <cstring>

int main()
{
    xdpaot_stats s{};
    s.size = sizeof s;
    xdpaot_rx_fn fn = [](void *ctx, const void *, uint32_t) -> int { return ctx == nullptr; };
    xdpaot_port *p = nullptr;
    char err[128];
    int rc = xdpaot_open(nullptr, &p, err, sizeof err);
    std::printf("C++17 %s: open(NULL) = %d \"%s\", callback %p\n", xdpaot_version(), rc, err, reinterpret_cast<void *>(fn));
    xdpaot_close(p);
    return rc < 0 && p == nullptr && std::strcmp(xdpaot_version(), XDPAOT_VERSION) == 0 ? 0 : 1;
}
