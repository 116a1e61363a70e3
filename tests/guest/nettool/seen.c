#include "nettool.h"

#include <stdlib.h>

int seen_init(struct seen *s, unsigned long n)
{
    s->n = n;
    s->bits = calloc(n / 8 + 1, 1);
    return s->bits ? 0 : -1;
}

int seen_mark(struct seen *s, uint32_t seq)
{
    if (seq >= s->n)
        return -1;
    uint8_t bit = (uint8_t)(1u << (seq & 7));
    if (s->bits[seq >> 3] & bit)
        return 0;
    s->bits[seq >> 3] |= bit;
    return 1;
}

void seen_free(struct seen *s)
{
    free(s->bits);
    s->bits = NULL;
}
