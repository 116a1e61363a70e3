#include "nettool.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

/* One report is one console line, written with a single fputs: kernel messages on the same console can
 * then only land between reports, never inside a key=value pair. */
static char s_line[2048];
static size_t s_used;
static const char *s_tag;

static void append(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void append(const char *fmt, ...)
{
    if (s_used >= sizeof s_line)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(s_line + s_used, sizeof s_line - s_used, fmt, ap);
    va_end(ap);
    if (n > 0)
        s_used += (size_t)n;
}

void report_begin(const char *tag)
{
    s_tag = tag;
    s_used = 0;
    append("XDPAOT-RESULT");
}

void report_u64(const char *key, unsigned long long value)
{
    append(" %s.%s=%llu", s_tag, key, value);
}

void report_end(void)
{
    append("\n");
    fputs(s_line, stdout);
    fflush(stdout);
}

void report_event(const char *tag, const char *name)
{
    printf("XDPAOT-EVENT %s.%s\n", tag, name);
    fflush(stdout);
}

void report_log(const char *tag, const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    printf("XDPAOT-LOG %s: %s\n", tag, text);
    fflush(stdout);
}

uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}
