#include "nettool.h"

#include <string.h>

/* Layout (big-endian): magic "XDPG" | seq u32 | stream u16 | length u16 | pattern bytes.
 * Every byte after the header depends on seq, stream and its offset, so a frame that was truncated, padded,
 * shifted or mixed with another frame's bytes fails the check. */
static const uint8_t k_magic[4] = { 'X', 'D', 'P', 'G' };

static uint8_t pattern(uint32_t seq, uint16_t stream, size_t i)
{
    return (uint8_t)(seq * 131u + stream * 17u + i);
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

static uint32_t get32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

void payload_fill(uint8_t *p, size_t len, uint16_t stream, uint32_t seq)
{
    memcpy(p, k_magic, 4);
    put32(p + 4, seq);
    put16(p + 8, stream);
    put16(p + 10, (uint16_t)len);
    for (size_t i = PAYLOAD_MIN; i < len; i++)
        p[i] = pattern(seq, stream, i);
}

enum payload_check payload_check(const uint8_t *p, size_t len, uint16_t *stream, uint32_t *seq, const char **why)
{
    if (len < 4 || memcmp(p, k_magic, 4) != 0)
        return PAYLOAD_FOREIGN;
    if (len < PAYLOAD_MIN) {
        *why = "shorter than the payload header";
        return PAYLOAD_BAD;
    }
    *seq = get32(p + 4);
    *stream = get16(p + 8);
    if (get16(p + 10) != (uint16_t)len) {
        *why = "length differs from the length it was sent with";
        return PAYLOAD_BAD;
    }
    for (size_t i = PAYLOAD_MIN; i < len; i++) {
        if (p[i] != pattern(*seq, *stream, i)) {
            *why = "payload byte differs";
            return PAYLOAD_BAD;
        }
    }
    return PAYLOAD_OK;
}
