/* `ethtool -L IF combined N`, which busybox lacks: virtio-net enables only as many queue pairs as it is told. */
#include "nettool.h"

#include <errno.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static int ethtool(int fd, const char *ifname, struct ethtool_channels *ch)
{
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", ifname);
    ifr.ifr_data = (char *)ch;
    return ioctl(fd, SIOCETHTOOL, &ifr);
}

int channels_set(const struct opts *o)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return 2;
    struct ethtool_channels ch = { .cmd = ETHTOOL_GCHANNELS };
    if (ethtool(fd, o->ifname, &ch) < 0) {
        fprintf(stderr, "nettool: ETHTOOL_GCHANNELS %s: %s\n", o->ifname, strerror(errno));
        close(fd);
        return 1;
    }
    int rc = 0;
    if (ch.combined_count != o->count) {
        ch.cmd = ETHTOOL_SCHANNELS;
        ch.combined_count = (unsigned)o->count;
        if (ethtool(fd, o->ifname, &ch) < 0) {
            fprintf(stderr, "nettool: ETHTOOL_SCHANNELS %s combined %lu: %s\n", o->ifname, o->count, strerror(errno));
            rc = 1;
        }
        ch.cmd = ETHTOOL_GCHANNELS;
        ethtool(fd, o->ifname, &ch);
    }
    report_begin(o->tag);
    report_u64("combined", ch.combined_count);
    report_u64("max_combined", ch.max_combined);
    report_end();
    close(fd);
    return rc == 0 && ch.combined_count == o->count ? 0 : 1;
}
