/* The header on its own, as a strict C11 compiler sees it (gcc -std=c11 -Wall -Wextra -Werror -pedantic), and
 * every declared function linked against the library: a declaration the .so lacks fails the link. */
#include <xdpaot.h>
#include <stdio.h>
#include <string.h>

typedef void (*any_fn)(void);
#define FN(f) ((any_fn)(void (*)(void))(f))

int main(void)
{
    /* one entry per declared function; casting through a common type keeps -Wextra quiet */
    const any_fn all[] = {
        FN(xdpaot_open), FN(xdpaot_close), FN(xdpaot_queue_count), FN(xdpaot_queue_fd), FN(xdpaot_wants),
        FN(xdpaot_send), FN(xdpaot_flush), FN(xdpaot_recv), FN(xdpaot_recv_peek), FN(xdpaot_recv_release),
        FN(xdpaot_get_stats), FN(xdpaot_version),
    };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (all[i] == NULL)
            return 1;
    xdpaot_stats s = {.size = sizeof s};
    xdpaot_frame f = {.data = NULL, .len = 0};
    xdpaot_rx_fn fn = NULL;
    (void)fn;
    printf("C11 %s: %zu functions, sizeof(xdpaot_stats) %zu (size %u), frame %u\n", xdpaot_version(),
           sizeof all / sizeof all[0], sizeof s, s.size, f.len);
    return strcmp(xdpaot_version(), XDPAOT_VERSION) != 0;
}
