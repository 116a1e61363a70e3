/* The packaging tests build this against the installed packages with `pkg-config --cflags --libs xdpaot` and
 * nothing else, and run it with the installed library: it prints the library's and the header's version and
 * checks that the library really runs (an option error comes back as -EINVAL with a message).
 * usage: installed_version */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <xdpaot.h>

int main(void)
{
    const char *version = xdpaot_version();
    printf("library %s\nheader %s\n", version, XDPAOT_VERSION);
    if (strcmp(version, XDPAOT_VERSION) != 0) {
        fprintf(stderr, "the library is %s but the header says %s\n", version, XDPAOT_VERSION);
        return 1;
    }
    char err[256] = "";
    xdpaot_port *port = NULL;
    int rc = xdpaot_open("no-such-option=1", &port, err, sizeof err);
    printf("open: %d %s\n", rc, err);
    return rc == -EINVAL && port == NULL && err[0] != '\0' ? 0 : 1;
}
