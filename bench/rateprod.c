/*
 * rateprod: a producer at a fixed message rate, for the dashboard phase of
 * bench/run.sh (an outside client feeding the dashboard's Consumer-Term).
 *
 *   rateprod -b brokers -t topic [-p partition=-1 (by key)] [-r rate=10000]
 *            [-d seconds=10] [-s value_size=100] [-k key_prefix=dash-]
 *            [-X k=v ...]
 *
 * Keys are "<prefix><seq, 8 digits>", values printable ASCII of value_size
 * bytes beginning with "v<seq> ", so Consumer-Term shows them as text and
 * the newest key can be looked for on the screen. Messages are released in
 * 1 ms ticks (rate/1000 per tick, the remainder spread), acks=1, linger.ms=5.
 *
 * Prints, every second, "PROGRESS t=<s> sent=<n>" and at the end:
 *   RESULT sent=N delivered=N errors=N seconds=S rate=R last_key=K
 * Exit 0 when every message was delivered, 1 otherwise, 2 on setup failure.
 */
#define _GNU_SOURCE
#include <librdkafka/rdkafka.h>
#include "tool_conf.h"
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static uint64_t delivered, errors;
static char last_err[256];

static int64_t now_ns(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void sleep_until_ns(int64_t t) {
        struct timespec ts = {.tv_sec = t / 1000000000, .tv_nsec = t % 1000000000};
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
                ;
}

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *op) {
        (void)rk;
        (void)op;
        if (m->err) {
                errors++;
                snprintf(last_err, sizeof(last_err), "%s", rd_kafka_err2str(m->err));
        } else {
                delivered++;
        }
}

static void usage(const char *me) {
        fprintf(stderr,
                "usage: %s -b brokers -t topic [-p partition] [-r rate] [-d seconds] "
                "[-s value_size] [-k key_prefix] [-X k=v]\n",
                me);
        exit(2);
}

int main(int argc, char **argv) {
        const char *brokers = NULL, *topic = NULL, *prefix = "dash-";
        int partition = RD_KAFKA_PARTITION_UA, opt;
        double rate = 10000, seconds = 10;
        int size = 100;
        char errstr[512];
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        rd_kafka_conf_set(conf, "acks", "1", NULL, 0);
        rd_kafka_conf_set(conf, "linger.ms", "5", NULL, 0);

        while ((opt = getopt(argc, argv, "b:t:p:r:d:s:k:X:")) != -1) {
                switch (opt) {
                case 'b': brokers = optarg; break;
                case 't': topic = optarg; break;
                case 'p': partition = atoi(optarg); break;
                case 'r': rate = atof(optarg); break;
                case 'd': seconds = atof(optarg); break;
                case 's': size = atoi(optarg); break;
                case 'k': prefix = optarg; break;
                case 'X':
                        if (tool_conf_set(conf, optarg, "rateprod"))
                                return 2;
                        break;
                default: usage(argv[0]);
                }
        }
        if (!brokers || !topic || rate <= 0 || seconds <= 0 || size < 16)
                usage(argv[0]);
        rd_kafka_conf_set(conf, "bootstrap.servers", brokers, NULL, 0);
        rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
        rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        if (!rk) {
                fprintf(stderr, "rateprod: %s\n", errstr);
                return 2;
        }
        rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);

        uint64_t total = (uint64_t)(rate * seconds + 0.5), sent = 0;
        char key[64], *value = malloc(size);
        int64_t start = now_ns(), tick = 1000000, next = start, next_report = start + 1000000000;
        while (sent < total) {
                next += tick;
                /* what should have been sent by the end of this tick */
                uint64_t due = (uint64_t)((double)(next - start) / 1e9 * rate);
                if (due > total)
                        due = total;
                while (sent < due) {
                        int klen = snprintf(key, sizeof(key), "%s%08" PRIu64, prefix, sent);
                        int n = snprintf(value, size, "v%08" PRIu64 " ", sent);
                        for (int i = n; i < size; i++)
                                value[i] = 'a' + (i % 26);
                        if (rd_kafka_produce(rkt, partition, RD_KAFKA_MSG_F_COPY, value, size, key, klen,
                                             NULL) == -1) {
                                rd_kafka_resp_err_t err = rd_kafka_last_error();
                                if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                                        rd_kafka_poll(rk, 10);
                                        continue;
                                }
                                fprintf(stderr, "rateprod: produce: %s\n", rd_kafka_err2str(err));
                                errors++;
                        }
                        sent++;
                }
                rd_kafka_poll(rk, 0);
                if (now_ns() >= next_report) {
                        printf("PROGRESS t=%.1f sent=%" PRIu64 " delivered=%" PRIu64 "\n",
                               (now_ns() - start) / 1e9, sent, delivered);
                        fflush(stdout);
                        next_report += 1000000000;
                }
                sleep_until_ns(next);
        }
        double elapsed = (now_ns() - start) / 1e9;
        rd_kafka_flush(rk, 15000);
        if (errors)
                fprintf(stderr, "rateprod: %" PRIu64 " delivery errors, last: %s\n", errors, last_err);
        printf("RESULT sent=%" PRIu64 " delivered=%" PRIu64 " errors=%" PRIu64
               " seconds=%.2f rate=%.0f last_key=%s%08" PRIu64 "\n",
               sent, delivered, errors, elapsed, elapsed > 0 ? sent / elapsed : 0, prefix,
               sent ? sent - 1 : 0);
        rd_kafka_topic_destroy(rkt);
        rd_kafka_destroy(rk);
        free(value);
        return delivered == sent && !errors ? 0 : 1;
}
