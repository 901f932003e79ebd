/*
 * Minimal stand-ins for librdkafka's *internal* headers (rd.h, rdtime.h),
 * which examples/rdkafka_performance.c includes because upstream builds it
 * inside the librdkafka source tree. Debian's librdkafka-dev ships the
 * example source but not those headers; the example only needs the few
 * definitions below. bench/run.sh strips the internal #includes and
 * force-includes this file (gcc -include).
 */
#ifndef KAPPA_BENCH_RD_COMPAT_H
#define KAPPA_BENCH_RD_COMPAT_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

typedef int64_t rd_ts_t; /* microseconds */

static inline rd_ts_t rd_clock(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (rd_ts_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

#define rd_snprintf snprintf
#define RD_MAX(a, b) ((a) > (b) ? (a) : (b))
#define RD_MIN(a, b) ((a) < (b) ? (a) : (b))

#endif
