#include "nettool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char k_usage[] =
    "usage: nettool MODE [options]\n"
    "  raw-send      -i IF -n COUNT -s SIZE [-d MAC] [-r PPS]            send test frames\n"
    "  raw-recv      -i IF -n COUNT [-s SIZE] [-d SRCMAC] [-w SEC]       receive and check test frames\n"
    "  raw-roundtrip -i IF -n COUNT -s SIZE [-d MAC] [-c STREAMS] [-W WINDOW] [-m swapped|same] [-w SEC]\n"
    "                send frames and check each one that comes back (MACs swapped, or unchanged)\n"
    "  raw-echo      -i IF [-n COUNT] [-w IDLE-SEC]                       send test frames back, MACs swapped\n"
    "  udp-send      -a IP -p PORT -n COUNT -s SIZE [-r PPS]\n"
    "  udp-recv      -p PORT -n COUNT [-s SIZE] [-w SEC]\n"
    "  udp-echo      -p PORT [-n COUNT] [-w IDLE-SEC]\n"
    "  channels      -i IF -n COUNT                                      ethtool -L IF combined COUNT\n"
    "  -t TAG prefixes every reported key (default: the mode). Exit 0: all frames arrived intact.\n";

struct mode {
    const char *name;
    int (*run)(const struct opts *);
};

static const struct mode k_modes[] = {
    { "raw-send", raw_send },   { "raw-recv", raw_recv }, { "raw-roundtrip", raw_roundtrip }, { "raw-echo", raw_echo },
    { "udp-send", udp_send },   { "udp-recv", udp_recv }, { "udp-echo", udp_echo },           { "channels", channels_set },
};

static int parse_mac(const char *s, uint8_t mac[6])
{
    unsigned b[6];
    if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6)
        return -1;
    for (int i = 0; i < 6; i++)
        mac[i] = (uint8_t)b[i];
    return 0;
}

static int parse_number(const char *s, unsigned long *v)
{
    char *end;
    *v = strtoul(s, &end, 10);
    return *s && !*end ? 0 : -1;
}

static int parse(int argc, char **argv, struct opts *o)
{
    int c;
    unsigned long v = 0;
    while ((c = getopt(argc, argv, "i:a:p:n:s:w:W:c:r:d:m:t:")) != -1) {
        int bad = 0;
        switch (c) {
        case 'i': o->ifname = optarg; break;
        case 'a': o->addr = optarg; break;
        case 'd': bad = parse_mac(optarg, o->peer); o->have_peer = 1; break;
        case 't': o->tag = optarg; break;
        case 'w': o->timeout = strtod(optarg, NULL); break;
        case 'm':
            bad = strcmp(optarg, "same") != 0 && strcmp(optarg, "swapped") != 0;
            o->expect_same = strcmp(optarg, "same") == 0;
            break;
        case 'p': case 'n': case 's': case 'W': case 'c': case 'r':
            bad = parse_number(optarg, &v);
            if (c == 'p') o->port = (unsigned)v;
            if (c == 'n') o->count = v;
            if (c == 's') o->size = (unsigned)v;
            if (c == 'W') o->window = (unsigned)v;
            if (c == 'c') o->streams = (unsigned)v;
            if (c == 'r') o->rate = v;
            break;
        default: return -1;
        }
        if (bad) {
            fprintf(stderr, "nettool: bad value for -%c: %s\n", c, optarg);
            return -1;
        }
    }
    return optind == argc ? 0 : -1;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 2) {
        fputs(k_usage, stderr);
        return 2;
    }
    const struct mode *mode = NULL;
    for (size_t i = 0; i < sizeof k_modes / sizeof k_modes[0]; i++) {
        if (strcmp(argv[1], k_modes[i].name) == 0)
            mode = &k_modes[i];
    }
    struct opts o = { .ifname = "eth0", .tag = argv[1] };
    if (!mode || parse(argc - 1, argv + 1, &o) < 0) {
        fputs(k_usage, stderr);
        return 2;
    }
    return mode->run(&o);
}
