/*
 * latency: end-to-end (produce() call -> consumer receipt) latency at a fixed
 * message rate, one producer handle (main thread) and one consumer handle
 * (its own thread) in the same process, so CLOCK_MONOTONIC timestamps
 * embedded in the payload are directly comparable.
 *
 *   latency -b brokers -t topic [-p partition=0] [-r rate=10000]
 *           [-d seconds=8] [-w warmup_s=1] [-s size=100] [-T drain_s=10]
 *           [-X k=v (both handles)] [-P k=v (producer)] [-C k=v (consumer)]
 *
 * The consumer is a plain assigned consumer (no group, no offset commits):
 * rd_kafka_consume_start_queue() at the offset right after a warm-up message
 * the producer has had acknowledged, so the broker needs neither group
 * coordination nor ListOffsets. Client settings are librdkafka defaults
 * (fetch.wait.max.ms=500, fetch.min.bytes=1, linger.ms=5) unless overridden.
 *
 * Phases: (1) one warm-up message, flushed; (2) warm-up traffic at the target
 * rate for warmup_s and at least until the consumer has seen one warm-up
 * message; (3) `seconds` of measured traffic; (4) flush, then wait up to
 * drain_s for the consumer to see every measured message.
 *
 * Last stdout line:
 *   RESULT sent=N received=N lost=N dup=N delivery_errors=N rate=R
 *          min_ms= p50_ms= p90_ms= p99_ms= p999_ms= max_ms= mean_ms=
 *          ack_p50_ms= ack_p99_ms= ack_max_ms=
 * (ack_* = produce() call -> delivery report, i.e. the producer's view.)
 * Exit 0 if every measured message arrived exactly once, 1 if some were lost
 * or delivery failed (RESULT still printed), 2 on setup failure.
 */
#define _GNU_SOURCE
#include <librdkafka/rdkafka.h>
#include "tool_conf.h"
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAGIC 0x4b4c4154u /* "KLAT" */
#define HDR_LEN 24        /* magic u32, kind u32, seq u64, ts_ns i64 */
enum { KIND_WARM = 1, KIND_MEASURED = 2 };

static int64_t now_ns(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void sleep_until_ns(int64_t t) {
        struct timespec ts = {.tv_sec = t / 1000000000,
                              .tv_nsec = t % 1000000000};
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
               EINTR)
                ;
}

/* shared state */
static int64_t *lat_ns;         /* per measured seq, -1 = not received */
static uint64_t measured_cap;   /* size of lat_ns */
static atomic_uint_fast64_t rx_measured, rx_warm, rx_dup, rx_bad, rx_err;
static atomic_int consumer_run = 1;

/* producer-side (only touched from the producer thread via poll) */
static uint64_t dr_ok, dr_err;
static int64_t last_dr_offset = -1;
static char last_dr_errstr[256];

/* produce->ack latency of measured messages, by seq */
static int64_t *ack_ns;

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *op) {
        (void)rk;
        (void)op;
        if (!m->err && m->len >= HDR_LEN && ack_ns) {
                uint32_t kind;
                uint64_t seq;
                int64_t ts;
                memcpy(&kind, (const char *)m->payload + 4, 4);
                memcpy(&seq, (const char *)m->payload + 8, 8);
                memcpy(&ts, (const char *)m->payload + 16, 8);
                if (kind == KIND_MEASURED && seq < measured_cap)
                        ack_ns[seq] = now_ns() - ts;
        }
        if (m->err) {
                dr_err++;
                snprintf(last_dr_errstr, sizeof(last_dr_errstr), "%s",
                         rd_kafka_err2str(m->err));
        } else {
                dr_ok++;
                last_dr_offset = m->offset;
        }
}

struct consumer_args {
        rd_kafka_queue_t *q;
};

static void *consumer_main(void *arg) {
        struct consumer_args *ca = arg;
        int errs_shown = 0;
        while (atomic_load(&consumer_run)) {
                rd_kafka_message_t *m = rd_kafka_consume_queue(ca->q, 100);
                if (!m)
                        continue;
                int64_t t = now_ns();
                if (m->err) {
                        if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                                atomic_fetch_add(&rx_err, 1);
                                if (errs_shown++ < 10)
                                        fprintf(stderr,
                                                "latency: consume error: %s\n",
                                                rd_kafka_message_errstr(m));
                        }
                        rd_kafka_message_destroy(m);
                        continue;
                }
                uint32_t magic, kind;
                uint64_t seq;
                int64_t ts;
                if (m->len < HDR_LEN) {
                        atomic_fetch_add(&rx_bad, 1);
                        rd_kafka_message_destroy(m);
                        continue;
                }
                const char *p = m->payload;
                memcpy(&magic, p, 4);
                memcpy(&kind, p + 4, 4);
                memcpy(&seq, p + 8, 8);
                memcpy(&ts, p + 16, 8);
                if (magic != MAGIC) {
                        atomic_fetch_add(&rx_bad, 1);
                } else if (kind == KIND_WARM) {
                        atomic_fetch_add(&rx_warm, 1);
                } else if (kind == KIND_MEASURED && seq < measured_cap) {
                        if (lat_ns[seq] >= 0) {
                                atomic_fetch_add(&rx_dup, 1);
                        } else {
                                lat_ns[seq] = t - ts;
                                atomic_fetch_add(&rx_measured, 1);
                        }
                } else {
                        atomic_fetch_add(&rx_bad, 1);
                }
                rd_kafka_message_destroy(m);
        }
        return NULL;
}

static int cmp_i64(const void *a, const void *b) {
        int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
        return x < y ? -1 : x > y;
}

static double pct_ms(const int64_t *v, size_t n, double p) {
        if (!n)
                return 0;
        size_t idx = (size_t)(p / 100.0 * (double)n);
        if (idx >= n)
                idx = n - 1;
        return v[idx] / 1e6;
}

static int produce_one(rd_kafka_t *rk, rd_kafka_topic_t *rkt, int32_t part,
                       char *buf, size_t size, uint32_t kind, uint64_t seq) {
        int64_t ts = now_ns();
        memcpy(buf + 4, &kind, 4);
        memcpy(buf + 8, &seq, 8);
        memcpy(buf + 16, &ts, 8);
        for (;;) {
                if (rd_kafka_produce(rkt, part, RD_KAFKA_MSG_F_COPY, buf, size,
                                     NULL, 0, NULL) == 0)
                        return 0;
                if (rd_kafka_last_error() != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                        fprintf(stderr, "latency: produce failed: %s\n",
                                rd_kafka_err2str(rd_kafka_last_error()));
                        return -1;
                }
                rd_kafka_poll(rk, 1);
        }
}

int main(int argc, char **argv) {
        const char *brokers = NULL, *topic = NULL;
        int32_t partition = 0;
        double rate = 10000, seconds = 8, warmup = 1, drain = 10;
        size_t size = 100;
        char *both[64], *pconf[64], *cconf[64];
        int nboth = 0, np = 0, nc = 0, opt;
        char errstr[512];

        while ((opt = getopt(argc, argv, "b:t:p:r:d:w:s:T:X:P:C:V")) != -1) {
                switch (opt) {
                case 'b': brokers = optarg; break;
                case 't': topic = optarg; break;
                case 'p': partition = atoi(optarg); break;
                case 'r': rate = atof(optarg); break;
                case 'd': seconds = atof(optarg); break;
                case 'w': warmup = atof(optarg); break;
                case 's': size = (size_t)atol(optarg); break;
                case 'T': drain = atof(optarg); break;
                case 'X': if (nboth < 64) both[nboth++] = optarg; break;
                case 'P': if (np < 64) pconf[np++] = optarg; break;
                case 'C': if (nc < 64) cconf[nc++] = optarg; break;
                case 'V': printf("%s\n", rd_kafka_version_str()); return 0;
                default:
                        fprintf(stderr,
                                "usage: %s -b brokers -t topic [-p part] "
                                "[-r rate] [-d s] [-w warmup_s] [-s size] "
                                "[-T drain_s] [-X k=v] [-P k=v] [-C k=v] | -V\n",
                                argv[0]);
                        return 2;
                }
        }
        if (!brokers || !topic || rate <= 0 || seconds <= 0) {
                fprintf(stderr, "latency: -b and -t required\n");
                return 2;
        }
        if (size < HDR_LEN)
                size = HDR_LEN;

        /* producer */
        rd_kafka_conf_t *pc = rd_kafka_conf_new();
        rd_kafka_conf_set(pc, "bootstrap.servers", brokers, NULL, 0);
        rd_kafka_conf_set_dr_msg_cb(pc, dr_cb);
        for (int i = 0; i < nboth; i++)
                if (tool_conf_set(pc, both[i], "latency"))
                        return 2;
        for (int i = 0; i < np; i++)
                if (tool_conf_set(pc, pconf[i], "latency"))
                        return 2;
        rd_kafka_t *prk = rd_kafka_new(RD_KAFKA_PRODUCER, pc, errstr,
                                       sizeof(errstr));
        if (!prk) {
                fprintf(stderr, "latency: producer: %s\n", errstr);
                return 2;
        }
        rd_kafka_topic_t *prkt = rd_kafka_topic_new(prk, topic, NULL);

        char *buf = malloc(size);
        memset(buf, 'x', size);
        uint32_t magic = MAGIC;
        memcpy(buf, &magic, 4);

        /* (1) first message: creates connection/metadata, gives start offset */
        if (produce_one(prk, prkt, partition, buf, size, KIND_WARM, 0))
                return 2;
        rd_kafka_flush(prk, 15000);
        if (dr_ok < 1 || last_dr_offset < 0) {
                fprintf(stderr,
                        "latency: first message not acknowledged (%s)\n",
                        dr_err ? last_dr_errstr : "timeout");
                return 2;
        }
        int64_t start_offset = last_dr_offset + 1;

        /* consumer */
        measured_cap = (uint64_t)(rate * seconds) + 16;
        lat_ns = malloc(sizeof(*lat_ns) * measured_cap);
        ack_ns = malloc(sizeof(*ack_ns) * measured_cap);
        for (uint64_t i = 0; i < measured_cap; i++)
                lat_ns[i] = ack_ns[i] = -1;

        rd_kafka_conf_t *cc = rd_kafka_conf_new();
        rd_kafka_conf_set(cc, "bootstrap.servers", brokers, NULL, 0);
        for (int i = 0; i < nboth; i++)
                if (tool_conf_set(cc, both[i], "latency"))
                        return 2;
        for (int i = 0; i < nc; i++)
                if (tool_conf_set(cc, cconf[i], "latency"))
                        return 2;
        rd_kafka_t *crk = rd_kafka_new(RD_KAFKA_CONSUMER, cc, errstr,
                                       sizeof(errstr));
        if (!crk) {
                fprintf(stderr, "latency: consumer: %s\n", errstr);
                return 2;
        }
        rd_kafka_topic_t *crkt = rd_kafka_topic_new(crk, topic, NULL);
        rd_kafka_queue_t *cq = rd_kafka_queue_new(crk);
        if (rd_kafka_consume_start_queue(crkt, partition, start_offset, cq) ==
            -1) {
                fprintf(stderr, "latency: consume_start: %s\n",
                        rd_kafka_err2str(rd_kafka_last_error()));
                return 2;
        }
        struct consumer_args ca = {.q = cq};
        pthread_t th;
        pthread_create(&th, NULL, consumer_main, &ca);

        const int64_t period = (int64_t)(1e9 / rate);
        uint64_t warm_seq = 1;

        /* (2) warm-up at rate until warmup_s elapsed and consumer is live */
        {
                int64_t t0 = now_ns(), next = t0;
                int64_t min_end = t0 + (int64_t)(warmup * 1e9);
                int64_t max_end = min_end + (int64_t)(15 * 1e9);
                for (;;) {
                        int64_t t = now_ns();
                        if (t >= min_end && atomic_load(&rx_warm) > 0)
                                break;
                        if (t >= max_end) {
                                fprintf(stderr,
                                        "latency: consumer received nothing "
                                        "during warm-up (15s)\n");
                                printf("RESULT sent=0 received=0 lost=0 dup=0 "
                                       "delivery_errors=%" PRIu64
                                       " rate=0 error=no-consumption\n",
                                       dr_err);
                                return 2;
                        }
                        sleep_until_ns(next);
                        if (produce_one(prk, prkt, partition, buf, size,
                                        KIND_WARM, warm_seq++))
                                return 2;
                        rd_kafka_poll(prk, 0);
                        next += period;
                        if (now_ns() - next > 100 * 1000000LL)
                                next = now_ns(); /* don't burst after stalls */
                }
        }

        /* (3) measured traffic */
        uint64_t n = (uint64_t)(rate * seconds), sent = 0;
        int64_t t0 = now_ns(), next = t0;
        uint64_t late = 0;
        for (; sent < n; sent++) {
                sleep_until_ns(next);
                if (now_ns() - next > period)
                        late++;
                if (produce_one(prk, prkt, partition, buf, size,
                                KIND_MEASURED, sent))
                        break;
                rd_kafka_poll(prk, 0);
                next = t0 + (int64_t)((sent + 1) * (1e9 / rate));
        }
        int64_t t_send_end = now_ns();
        double achieved = sent / ((t_send_end - t0) / 1e9);

        /* (4) flush + drain */
        rd_kafka_flush(prk, 15000);
        int64_t drain_end = now_ns() + (int64_t)(drain * 1e9);
        while (atomic_load(&rx_measured) < sent && now_ns() < drain_end)
                usleep(10 * 1000);
        usleep(100 * 1000); /* catch duplicates that trail */
        atomic_store(&consumer_run, 0);
        pthread_join(th, NULL);

        rd_kafka_consume_stop(crkt, partition);
        rd_kafka_queue_destroy(cq);
        rd_kafka_topic_destroy(crkt);
        rd_kafka_destroy(crk);
        rd_kafka_topic_destroy(prkt);
        rd_kafka_destroy(prk);

        /* stats */
        uint64_t got = atomic_load(&rx_measured);
        int64_t *v = malloc(sizeof(*v) * (got ? got : 1));
        size_t k = 0;
        double sum = 0;
        for (uint64_t i = 0; i < sent && i < measured_cap; i++)
                if (lat_ns[i] >= 0) {
                        v[k++] = lat_ns[i];
                        sum += lat_ns[i];
                }
        qsort(v, k, sizeof(*v), cmp_i64);
        int64_t *a = malloc(sizeof(*a) * (sent ? sent : 1));
        size_t ka = 0;
        for (uint64_t i = 0; i < sent && i < measured_cap; i++)
                if (ack_ns[i] >= 0)
                        a[ka++] = ack_ns[i];
        /* Where the slow acknowledgements were (seconds into the measured part, from the send
         * schedule; the longest ack and how many msgs): a stall of the broker or the disk shows as
         * one long episode, noise as many short ones. */
        {
                char where[320] = "";
                size_t len = 0;
                int episodes = 0;
                uint64_t first = 0, last = 0, count = 0;
                int64_t worst = 0;
                for (uint64_t i = 0; i <= sent && i <= measured_cap; i++) {
                        int slow = i < sent && i < measured_cap && ack_ns[i] >= 10 * 1000000LL;
                        int ends = episodes > 0 && count > 0 && (!slow || i - last > (uint64_t)(rate / 20));
                        if (ends) {
                                if (episodes <= 6 && len < sizeof(where) - 48)
                                        len += (size_t)snprintf(where + len, sizeof(where) - len,
                                                                " %.2fs:max %.0fms/%" PRIu64 " msgs",
                                                                (double)first / rate, worst / 1e6, count);
                                count = 0;
                        }
                        if (!slow)
                                continue;
                        if (count == 0) {
                                episodes++;
                                first = i;
                                worst = 0;
                        }
                        count++;
                        last = i;
                        if (ack_ns[i] > worst)
                                worst = ack_ns[i];
                }
                fprintf(stderr, "latency: %d episode(s) of acks over 10 ms%s\n", episodes, where);
        }
        qsort(a, ka, sizeof(*a), cmp_i64);

        fprintf(stderr,
                "latency: %" PRIu64 " measured msgs at %.0f msg/s target "
                "(achieved %.0f, %" PRIu64 " late sends), received %zu, "
                "warm-up msgs %" PRIu64 ", delivery errors %" PRIu64
                ", consume errors %" PRIu64 ", foreign msgs %" PRIu64 "\n",
                sent, rate, achieved, late, k, warm_seq, dr_err,
                (uint64_t)atomic_load(&rx_err), (uint64_t)atomic_load(&rx_bad));
        printf("RESULT sent=%" PRIu64 " received=%zu lost=%" PRIu64
               " dup=%" PRIu64 " delivery_errors=%" PRIu64
               " rate=%.0f min_ms=%.3f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f"
               " p999_ms=%.3f max_ms=%.3f mean_ms=%.3f"
               " ack_p50_ms=%.3f ack_p99_ms=%.3f ack_max_ms=%.3f\n",
               sent, k, sent - k, (uint64_t)atomic_load(&rx_dup), dr_err,
               achieved, k ? v[0] / 1e6 : 0, pct_ms(v, k, 50),
               pct_ms(v, k, 90), pct_ms(v, k, 99), pct_ms(v, k, 99.9),
               k ? v[k - 1] / 1e6 : 0, k ? sum / k / 1e6 : 0,
               pct_ms(a, ka, 50), pct_ms(a, ka, 99),
               ka ? a[ka - 1] / 1e6 : 0);
        fflush(stdout);
        return (k == sent && dr_err == 0 && sent == n) ? 0 : 1;
}
