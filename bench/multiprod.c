/*
 * multiprod: produce throughput over N producer handles in one process, for
 * the scale phase of bench/run.sh (issue 6 target 6: rates over 1..32
 * connections). Each handle is its own rd_kafka_t, so it opens its own
 * connection(s) to the broker, and is driven by its own thread.
 *
 *   multiprod -b brokers -t topic [-n handles=1] [-c count=1000000]
 *             [-s value_size=100] [-p partition=-1 (partitioner)]
 *             [-X k=v ...] [-D deadline_s=120] [-B broker_pid] [-V]
 *
 * Phase 1 (untimed): every thread creates its handle and produces one warm-up
 * record, then flushes until it is acknowledged, so bootstrap, Metadata,
 * ApiVersions and the connection to the partition leader are all done.
 * Then a barrier: all threads plus the main thread.
 * Phase 2 (timed, CLOCK_MONOTONIC from the barrier release to the last
 * handle's final delivery report): each handle produces its share of `count`
 * records (count/n, the first count%n handles one more), polling on
 * QUEUE_FULL, and flushes. Delivered/failed are counted from delivery reports;
 * warm-up records are counted separately (warmup=) and not in the rate.
 *
 * Client settings are librdkafka defaults plus -X (bench/run.sh passes
 * acks=1 and linger.ms=5). -B pid: also read that process's utime+stime
 * (/proc/<pid>/stat, all its threads, not its children) at the barrier and
 * when the last handle has flushed (before any handle is destroyed), printed
 * as broker_ticks= (clock ticks; broker_sys_ticks= the stime part).
 *
 * Everything is bounded by the deadline (-D seconds from start): producing
 * stops and the flush gives up when it passes; a watchdog alarm kills the
 * process 30 s after it in case librdkafka teardown hangs.
 *
 * Last stdout line:
 *   RESULT handles=N messages=M delivered=D failed=F warmup=W seconds=S
 *          rate=R setup_seconds=S0 [broker_ticks=T broker_sys_ticks=T_sys]
 * Exit 0 when every record was delivered, 1 otherwise (RESULT still printed),
 * 2 on a usage or setup failure (a handle could not be created or its
 * warm-up record was not delivered before the deadline).
 */
#define _GNU_SOURCE
#include <librdkafka/rdkafka.h>
#include "tool_conf.h"
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_HANDLES 1024
#define WARM ((void *)1) /* msg_opaque of warm-up records */

static int64_t now_ns(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* settings shared by all threads (read-only after main() set them up) */
static const char *brokers, *topic;
static rd_kafka_conf_t *base_conf;
static int32_t partition = RD_KAFKA_PARTITION_UA;
static int value_size = 100;
static int64_t deadline_ns;
static pthread_barrier_t barrier, done_barrier;
static atomic_int setup_failed;

struct handle {
        int idx;
        uint64_t share;
        pthread_t th;
        /* delivery counters: only touched by this handle's thread (callbacks
         * run from its own rd_kafka_poll/flush) */
        uint64_t delivered, failed, warm_ok, warm_failed;
        char last_err[256];
        uint64_t produced;
        int64_t end_ns; /* when its last delivery report was served */
        int setup_ok;
        char setup_err[512];
};

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
        (void)rk;
        struct handle *h = opaque;
        int warm = m->_private == WARM;
        if (m->err) {
                if (warm)
                        h->warm_failed++;
                else
                        h->failed++;
                snprintf(h->last_err, sizeof(h->last_err), "%s", rd_kafka_err2str(m->err));
        } else if (warm) {
                h->warm_ok++;
        } else {
                h->delivered++;
        }
}

static int64_t ms_left(void) {
        int64_t left = (deadline_ns - now_ns()) / 1000000;
        return left > 0 ? left : 0;
}

/* produce one record, polling while the local queue is full; 0 = queued */
static int produce_one(struct handle *h, rd_kafka_t *rk, rd_kafka_topic_t *rkt, char *buf,
                       void *msg_opaque) {
        for (;;) {
                if (rd_kafka_produce(rkt, partition, RD_KAFKA_MSG_F_COPY, buf, value_size, NULL, 0,
                                     msg_opaque) == 0)
                        return 0;
                rd_kafka_resp_err_t err = rd_kafka_last_error();
                if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                        snprintf(h->last_err, sizeof(h->last_err), "produce: %s", rd_kafka_err2str(err));
                        return -1;
                }
                if (now_ns() >= deadline_ns) {
                        snprintf(h->last_err, sizeof(h->last_err), "deadline passed while queue full");
                        return -1;
                }
                rd_kafka_poll(rk, 10);
        }
}

static void *handle_main(void *arg) {
        struct handle *h = arg;
        char errstr[256];
        rd_kafka_t *rk = NULL;
        rd_kafka_topic_t *rkt = NULL;
        char *buf = malloc(value_size);
        for (int i = 0; i < value_size; i++)
                buf[i] = 'a' + (i % 26);

        /* ---- phase 1: connect and get one record acknowledged */
        rd_kafka_conf_t *conf = rd_kafka_conf_dup(base_conf);
        rd_kafka_conf_set_opaque(conf, h);
        rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        if (!rk) {
                rd_kafka_conf_destroy(conf);
                snprintf(h->setup_err, sizeof(h->setup_err), "rd_kafka_new: %s", errstr);
        } else {
                rkt = rd_kafka_topic_new(rk, topic, NULL);
                if (produce_one(h, rk, rkt, buf, WARM) != 0) {
                        snprintf(h->setup_err, sizeof(h->setup_err), "warm-up: %s", h->last_err);
                } else {
                        while (h->warm_ok + h->warm_failed == 0 && now_ns() < deadline_ns)
                                rd_kafka_flush(rk, 100);
                        if (h->warm_ok)
                                h->setup_ok = 1;
                        else
                                snprintf(h->setup_err, sizeof(h->setup_err), "warm-up record %s",
                                         h->warm_failed ? h->last_err : "not acknowledged before the deadline");
                }
        }
        if (!h->setup_ok)
                atomic_store(&setup_failed, 1);
        pthread_barrier_wait(&barrier);

        /* ---- phase 2: timed */
        if (h->setup_ok && !atomic_load(&setup_failed)) {
                for (uint64_t i = 0; i < h->share; i++) {
                        if (produce_one(h, rk, rkt, buf, NULL) != 0)
                                break;
                        h->produced++;
                        if ((i & 1023) == 1023)
                                rd_kafka_poll(rk, 0);
                        if ((i & 4095) == 4095 && now_ns() >= deadline_ns) {
                                snprintf(h->last_err, sizeof(h->last_err), "deadline passed while producing");
                                break;
                        }
                }
                while (rd_kafka_outq_len(rk) > 0 && now_ns() < deadline_ns)
                        rd_kafka_flush(rk, (int)(ms_left() < 100 ? ms_left() : 100));
                h->end_ns = now_ns();
        }
        pthread_barrier_wait(&done_barrier); /* main reads the broker's CPU before teardown */
        if (rk) {
                if (rd_kafka_outq_len(rk) > 0) {
                        rd_kafka_purge(rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
                        rd_kafka_poll(rk, 0);
                }
                if (rkt)
                        rd_kafka_topic_destroy(rkt);
                rd_kafka_destroy(rk);
        }
        free(buf);
        return NULL;
}

/* utime+stime of pid in clock ticks (stime alone in *sys), -1 if unreadable */
static long long proc_ticks(int pid, long long *sys) {
        char path[64], line[4096];
        snprintf(path, sizeof(path), "/proc/%d/stat", pid);
        FILE *f = fopen(path, "r");
        if (!f)
                return -1;
        size_t n = fread(line, 1, sizeof(line) - 1, f);
        fclose(f);
        line[n] = '\0';
        char *p = strrchr(line, ')'); /* comm may contain spaces */
        if (!p)
                return -1;
        unsigned long long ut, st;
        /* after ") ": state ppid pgrp session tty tpgid flags minflt cminflt
         * majflt cmajflt utime stime */
        if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
                return -1;
        *sys = (long long)st;
        return (long long)(ut + st);
}

static void usage(const char *me) {
        fprintf(stderr,
                "usage: %s -b brokers -t topic [-n handles=1] [-c count=1000000] [-s value_size=100]\n"
                "          [-p partition] [-X k=v ...] [-D deadline_s=120] [-B broker_pid] [-V]\n",
                me);
        exit(2);
}

int main(int argc, char **argv) {
        int n = 1, opt, broker_pid = 0;
        uint64_t count = 1000000;
        double deadline_s = 120;
        char errstr[512];
        base_conf = rd_kafka_conf_new();
        while ((opt = getopt(argc, argv, "b:t:n:c:s:p:X:D:B:V")) != -1) {
                switch (opt) {
                case 'b': brokers = optarg; break;
                case 't': topic = optarg; break;
                case 'n': n = atoi(optarg); break;
                case 'c': count = strtoull(optarg, NULL, 10); break;
                case 's': value_size = atoi(optarg); break;
                case 'p': partition = atoi(optarg); break;
                case 'D': deadline_s = atof(optarg); break;
                case 'B': broker_pid = atoi(optarg); break;
                case 'V': printf("%s\n", rd_kafka_version_str()); return 0;
                case 'X':
                        if (tool_conf_set(base_conf, optarg, "multiprod"))
                                return 2;
                        break;
                default: usage(argv[0]);
                }
        }
        if (!brokers || !topic || n < 1 || n > MAX_HANDLES || value_size < 1 || deadline_s <= 0 ||
            count < (uint64_t)n)
                usage(argv[0]);
        if (rd_kafka_conf_set(base_conf, "bootstrap.servers", brokers, errstr, sizeof(errstr)) !=
            RD_KAFKA_CONF_OK) {
                fprintf(stderr, "multiprod: %s\n", errstr);
                return 2;
        }
        rd_kafka_conf_set_dr_msg_cb(base_conf, dr_cb);

        int64_t start = now_ns();
        deadline_ns = start + (int64_t)(deadline_s * 1e9);
        alarm((unsigned)deadline_s + 30); /* watchdog: default SIGALRM action ends the process */

        struct handle *hs = calloc(n, sizeof(*hs));
        pthread_barrier_init(&barrier, NULL, n + 1);
        pthread_barrier_init(&done_barrier, NULL, n + 1);
        for (int i = 0; i < n; i++) {
                hs[i].idx = i;
                hs[i].share = count / n + ((uint64_t)i < count % n ? 1 : 0);
                if (pthread_create(&hs[i].th, NULL, handle_main, &hs[i]) != 0) {
                        fprintf(stderr, "multiprod: pthread_create failed\n");
                        return 2;
                }
        }
        pthread_barrier_wait(&barrier);
        int64_t t0 = now_ns();
        long long s0 = 0, s1 = 0;
        long long b0 = broker_pid ? proc_ticks(broker_pid, &s0) : -1;
        pthread_barrier_wait(&done_barrier);
        long long b1 = broker_pid ? proc_ticks(broker_pid, &s1) : -1;
        for (int i = 0; i < n; i++)
                pthread_join(hs[i].th, NULL);

        uint64_t delivered = 0, failed = 0, warm = 0, produced = 0;
        int64_t t1 = t0;
        int bad_setup = 0;
        for (int i = 0; i < n; i++) {
                struct handle *h = &hs[i];
                delivered += h->delivered;
                failed += h->failed;
                warm += h->warm_ok;
                produced += h->produced;
                if (h->end_ns > t1)
                        t1 = h->end_ns;
                if (!h->setup_ok) {
                        if (bad_setup++ < 5)
                                fprintf(stderr, "multiprod: handle %d: %s\n", i, h->setup_err);
                } else if (h->failed || h->delivered != h->share) {
                        fprintf(stderr,
                                "multiprod: handle %d: produced %" PRIu64 "/%" PRIu64 ", delivered %" PRIu64
                                ", failed %" PRIu64 "%s%s\n",
                                i, h->produced, h->share, h->delivered, h->failed,
                                h->last_err[0] ? ", last error: " : "", h->last_err);
                }
        }
        double secs = (t1 - t0) / 1e9;
        printf("RESULT handles=%d messages=%" PRIu64 " delivered=%" PRIu64 " failed=%" PRIu64
               " warmup=%" PRIu64 " seconds=%.3f rate=%.0f setup_seconds=%.3f",
               n, count, delivered, failed, warm, secs, secs > 0 ? delivered / secs : 0,
               (t0 - start) / 1e9);
        if (b0 >= 0 && b1 >= 0)
                printf(" broker_ticks=%lld broker_sys_ticks=%lld", b1 - b0, s1 - s0);
        printf("\n");
        rd_kafka_conf_destroy(base_conf);
        free(hs);
        if (bad_setup) {
                fprintf(stderr, "multiprod: %d of %d handles failed to set up\n", bad_setup, n);
                return 2;
        }
        return delivered == count && failed == 0 ? 0 : 1;
}
