/*
 * txnprod: transactional produce throughput against idempotent produce, and
 * EndTxn latency, for the txn phase of bench/run.sh (issue 11 acceptance 6).
 *
 *   txnprod -b brokers -t topic -m txn|idempotent|endtxn
 *           [-T transactions=200] [-N records_per_txn=1000] [-P partitions=1]
 *           [-s value_size=100] [-i transactional.id] [-X k=v ...]
 *           [-D deadline_s=120] [-B broker_pid] [-V]
 *
 * One producer handle, one thread. Records carry no key; record i of a run
 * goes to partition i % P (explicit round robin), so with P=8 every
 * transaction of 1,000 records touches all 8 partitions (AddPartitionsToTxn
 * for 8, markers written to 8) and the idempotent run spreads its records the
 * same way.
 *
 * -m txn: transactional.id (-i, default kappa-bench-txn-<pid>-<time>),
 *   rd_kafka_init_transactions, then one untimed warm-up transaction of one
 *   record per partition (so FindCoordinator, InitProducerId, Metadata and the
 *   connections are done). Timed (CLOCK_MONOTONIC, from the first
 *   rd_kafka_begin_transaction to the return of the last
 *   rd_kafka_commit_transaction): T transactions of N records each: begin,
 *   produce N (polling on QUEUE_FULL), commit (which flushes them, then sends
 *   EndTxn). rate = records delivered / seconds. commit_* = the
 *   rd_kafka_commit_transaction calls (flush of that transaction's records +
 *   EndTxn round trip).
 * -m idempotent: enable.idempotence=true, no transactional.id; warm-up of one
 *   record per partition flushed; timed: the same T x N records, produced back
 *   to back, then flushed; rate = delivered / (first produce .. last delivery).
 * -m endtxn: like txn, but every transaction's records are flushed
 *   (rd_kafka_flush until none is outstanding) before rd_kafka_commit_transaction
 *   is called, and only that call is timed: what is left in it is the EndTxn
 *   request and its answer (the coordinator writing the markers). Defaults for
 *   this mode are meant to be small: run.sh passes -N 10 -T 200.
 *
 * Client settings: librdkafka defaults plus -X (run.sh passes linger.ms=5; acks is
 * all, as idempotence and transactions require). Any error in a transaction
 * (produce, delivery report, commit) counts the transaction as failed; if the
 * error says so it is aborted and the run goes on, a fatal error ends the run.
 *
 * -B pid: that process's utime+stime (/proc/<pid>/stat, all threads) at the
 * start and the end of the timed part, printed as broker_ticks= (clock ticks;
 * broker_sys_ticks= the stime part).
 *
 * Bounded by the deadline (-D seconds from start): no new transaction starts
 * after it, flushes give up; a watchdog alarm ends the process 30 s after it.
 *
 * Last stdout line:
 *   RESULT mode=M partitions=P transactions=T per_txn=N messages=T*N
 *          delivered=D failed=F committed=C txn_failed=X seconds=S rate=R
 *          setup_seconds=S0 commit_p50_ms= commit_p99_ms= commit_max_ms=
 *          commit_mean_ms= [flush_p50_ms= flush_p99_ms=] [broker_ticks= broker_sys_ticks=]
 *   (commit_* = the timed commit calls: whole commits in txn mode, EndTxn alone
 *   in endtxn mode, absent in idempotent mode; flush_* = endtxn mode's flushes)
 * Exit 0 when every record was delivered and every transaction committed, 1
 * otherwise (RESULT still printed), 2 on a usage or setup failure.
 */
#define _GNU_SOURCE
#include <librdkafka/rdkafka.h>
#include "tool_conf.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define WARM ((void *)1) /* msg_opaque of warm-up records */

enum mode { M_TXN, M_IDEMPOTENT, M_ENDTXN };

static int64_t now_ns(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t deadline_ns;
static uint64_t delivered, failed, warm_ok, warm_failed, txn_dr_failed;
static char last_err[512];

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
        (void)rk;
        (void)opaque;
        int warm = m->_private == WARM;
        if (m->err) {
                if (warm)
                        warm_failed++;
                else {
                        failed++;
                        txn_dr_failed++;
                }
                snprintf(last_err, sizeof(last_err), "delivery: %s", rd_kafka_err2str(m->err));
        } else if (warm) {
                warm_ok++;
        } else {
                delivered++;
        }
}

static int64_t ms_left(void) {
        int64_t left = (deadline_ns - now_ns()) / 1000000;
        return left > 0 ? left : 0;
}

static int cmp_i64(const void *a, const void *b) {
        int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
        return x < y ? -1 : x > y;
}

/* same percentile as bench/latency.c: element floor(p% * n) of the sorted values */
static double pct_ms(const int64_t *v, size_t n, double p) {
        if (!n)
                return 0;
        size_t idx = (size_t)(p / 100.0 * (double)n);
        if (idx >= n)
                idx = n - 1;
        return v[idx] / 1e6;
}

static double mean_ms(const int64_t *v, size_t n) {
        if (!n)
                return 0;
        double s = 0;
        for (size_t i = 0; i < n; i++)
                s += v[i];
        return s / n / 1e6;
}

/* produce one record, polling while the local queue is full; 0 = queued */
static int produce_one(rd_kafka_t *rk, rd_kafka_topic_t *rkt, int32_t part, char *buf, int size,
                       void *msg_opaque) {
        for (;;) {
                if (rd_kafka_produce(rkt, part, RD_KAFKA_MSG_F_COPY, buf, size, NULL, 0, msg_opaque) == 0)
                        return 0;
                rd_kafka_resp_err_t err = rd_kafka_last_error();
                if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                        snprintf(last_err, sizeof(last_err), "produce: %s", rd_kafka_err2str(err));
                        return -1;
                }
                if (now_ns() >= deadline_ns) {
                        snprintf(last_err, sizeof(last_err), "deadline passed while queue full");
                        return -1;
                }
                rd_kafka_poll(rk, 10);
        }
}

/* flush until nothing is outstanding or the deadline passes; 0 = all done */
static int flush_all(rd_kafka_t *rk) {
        while (rd_kafka_outq_len(rk) > 0 && now_ns() < deadline_ns)
                rd_kafka_flush(rk, (int)(ms_left() < 100 ? ms_left() : 100));
        return rd_kafka_outq_len(rk) > 0 ? -1 : 0;
}

/* rd_kafka_error_t -> last_err; returns 1 if fatal (ends the run) */
static int take_error(const char *what, rd_kafka_error_t *e) {
        snprintf(last_err, sizeof(last_err), "%s: %s (%s)%s%s", what, rd_kafka_error_string(e),
                 rd_kafka_error_name(e), rd_kafka_error_is_fatal(e) ? " fatal" : "",
                 rd_kafka_error_txn_requires_abort(e) ? " abortable" : "");
        fprintf(stderr, "txnprod: %s\n", last_err);
        int fatal = rd_kafka_error_is_fatal(e);
        rd_kafka_error_destroy(e);
        return fatal;
}

/* abort after a failed transaction; returns 1 if the run cannot go on */
static int abort_txn(rd_kafka_t *rk) {
        rd_kafka_error_t *e = rd_kafka_abort_transaction(rk, (int)(ms_left() > 30000 ? 30000 : ms_left()));
        if (e)
                return take_error("abort_transaction", e) || 1;
        return 0;
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
        char *p = strrchr(line, ')');
        if (!p)
                return -1;
        unsigned long long ut, st;
        if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
                return -1;
        *sys = (long long)st;
        return (long long)(ut + st);
}

static void usage(const char *me) {
        fprintf(stderr,
                "usage: %s -b brokers -t topic -m txn|idempotent|endtxn [-T transactions=200]\n"
                "          [-N records_per_txn=1000] [-P partitions=1] [-s value_size=100]\n"
                "          [-i transactional.id] [-X k=v ...] [-D deadline_s=120] [-B broker_pid] [-V]\n",
                me);
        exit(2);
}

int main(int argc, char **argv) {
        const char *brokers = NULL, *topic = NULL, *txn_id = NULL;
        enum mode mode = M_TXN;
        int opt, broker_pid = 0, value_size = 100, parts = 1;
        long txns = 200, per_txn = 1000;
        double deadline_s = 120;
        char errstr[512], idbuf[128];
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        while ((opt = getopt(argc, argv, "b:t:m:T:N:P:s:i:X:D:B:V")) != -1) {
                switch (opt) {
                case 'b': brokers = optarg; break;
                case 't': topic = optarg; break;
                case 'm':
                        if (!strcmp(optarg, "txn"))
                                mode = M_TXN;
                        else if (!strcmp(optarg, "idempotent"))
                                mode = M_IDEMPOTENT;
                        else if (!strcmp(optarg, "endtxn"))
                                mode = M_ENDTXN;
                        else
                                usage(argv[0]);
                        break;
                case 'T': txns = atol(optarg); break;
                case 'N': per_txn = atol(optarg); break;
                case 'P': parts = atoi(optarg); break;
                case 's': value_size = atoi(optarg); break;
                case 'i': txn_id = optarg; break;
                case 'D': deadline_s = atof(optarg); break;
                case 'B': broker_pid = atoi(optarg); break;
                case 'V': printf("%s\n", rd_kafka_version_str()); return 0;
                case 'X':
                        if (tool_conf_set(conf, optarg, "txnprod"))
                                return 2;
                        break;
                default: usage(argv[0]);
                }
        }
        if (!brokers || !topic || txns < 1 || per_txn < 1 || parts < 1 || value_size < 1 || deadline_s <= 0)
                usage(argv[0]);
        const char *mode_name = mode == M_TXN ? "txn" : mode == M_IDEMPOTENT ? "idempotent" : "endtxn";
        if (rd_kafka_conf_set(conf, "bootstrap.servers", brokers, errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK ||
            rd_kafka_conf_set(conf, "enable.idempotence", "true", errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK) {
                fprintf(stderr, "txnprod: %s\n", errstr);
                return 2;
        }
        if (mode != M_IDEMPOTENT) {
                if (!txn_id) {
                        snprintf(idbuf, sizeof(idbuf), "kappa-bench-%s-%d-%lld", mode_name, (int)getpid(),
                                 (long long)time(NULL));
                        txn_id = idbuf;
                }
                if (rd_kafka_conf_set(conf, "transactional.id", txn_id, errstr, sizeof(errstr)) !=
                    RD_KAFKA_CONF_OK) {
                        fprintf(stderr, "txnprod: %s\n", errstr);
                        return 2;
                }
        }
        rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);

        int64_t start = now_ns();
        deadline_ns = start + (int64_t)(deadline_s * 1e9);
        alarm((unsigned)deadline_s + 30); /* watchdog: default SIGALRM action ends the process */

        rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        if (!rk) {
                fprintf(stderr, "txnprod: rd_kafka_new: %s\n", errstr);
                return 2;
        }
        rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
        char *buf = malloc(value_size);
        for (int i = 0; i < value_size; i++)
                buf[i] = 'a' + (i % 26);
        int64_t *lat = calloc(txns, sizeof(*lat)), *flat = calloc(txns, sizeof(*flat));
        size_t nlat = 0, nflat = 0;
        rd_kafka_error_t *e;

        /* ---- setup (untimed): init_transactions, one warm-up record per partition */
        int setup_ok = 1;
        if (mode != M_IDEMPOTENT) {
                if ((e = rd_kafka_init_transactions(rk, (int)ms_left()))) {
                        take_error("init_transactions", e);
                        setup_ok = 0;
                } else if ((e = rd_kafka_begin_transaction(rk))) {
                        take_error("begin_transaction (warm-up)", e);
                        setup_ok = 0;
                }
        }
        for (int p = 0; setup_ok && p < parts; p++)
                if (produce_one(rk, rkt, p, buf, value_size, WARM) != 0)
                        setup_ok = 0;
        if (setup_ok) {
                if (mode != M_IDEMPOTENT) {
                        if ((e = rd_kafka_commit_transaction(rk, (int)ms_left()))) {
                                take_error("commit_transaction (warm-up)", e);
                                setup_ok = 0;
                        }
                } else if (flush_all(rk) != 0) {
                        snprintf(last_err, sizeof(last_err), "warm-up records not acknowledged before the deadline");
                        setup_ok = 0;
                }
                rd_kafka_poll(rk, 0);
                if (setup_ok && warm_ok != (uint64_t)parts) {
                        snprintf(last_err, sizeof(last_err), "warm-up: %" PRIu64 "/%d delivered", warm_ok, parts);
                        setup_ok = 0;
                }
        }
        if (!setup_ok) {
                fprintf(stderr, "txnprod: setup failed: %s\n", last_err);
                printf("RESULT mode=%s partitions=%d transactions=%ld per_txn=%ld messages=%ld delivered=0 "
                       "failed=0 committed=0 txn_failed=0 seconds=0 rate=0 setup_seconds=%.3f setup_error=1\n",
                       mode_name, parts, txns, per_txn, txns * per_txn, (now_ns() - start) / 1e9);
                rd_kafka_topic_destroy(rkt);
                rd_kafka_destroy(rk);
                return 2;
        }

        /* ---- timed */
        long long s0 = 0, s1 = 0;
        long long b0 = broker_pid ? proc_ticks(broker_pid, &s0) : -1;
        int64_t t0 = now_ns(), t1;
        uint64_t seq = 0;
        long committed = 0, txn_failed = 0, done_txns = 0;
        int stop = 0;
        if (mode == M_IDEMPOTENT) {
                for (long i = 0; i < txns * per_txn && !stop; i++, seq++) {
                        if (produce_one(rk, rkt, (int32_t)(seq % parts), buf, value_size, NULL) != 0)
                                stop = 1;
                        else if ((i & 1023) == 1023) {
                                rd_kafka_poll(rk, 0);
                                if (now_ns() >= deadline_ns) {
                                        snprintf(last_err, sizeof(last_err), "deadline passed while producing");
                                        stop = 1;
                                }
                        }
                }
                flush_all(rk);
                done_txns = txns;
        } else {
                for (long t = 0; t < txns && !stop; t++) {
                        if (now_ns() >= deadline_ns) {
                                snprintf(last_err, sizeof(last_err), "deadline passed after %ld transactions", t);
                                break;
                        }
                        done_txns++;
                        if ((e = rd_kafka_begin_transaction(rk))) {
                                stop = take_error("begin_transaction", e);
                                txn_failed++;
                                if (!stop)
                                        stop = abort_txn(rk);
                                continue;
                        }
                        uint64_t dr_failed_before = txn_dr_failed;
                        int bad = 0;
                        for (long i = 0; i < per_txn; i++, seq++) {
                                if (produce_one(rk, rkt, (int32_t)(seq % parts), buf, value_size, NULL) != 0) {
                                        bad = 1;
                                        break;
                                }
                                if ((i & 1023) == 1023)
                                        rd_kafka_poll(rk, 0);
                        }
                        if (!bad && mode == M_ENDTXN) {
                                int64_t f0 = now_ns();
                                if (flush_all(rk) != 0) {
                                        snprintf(last_err, sizeof(last_err), "flush: records outstanding at the deadline");
                                        bad = 1;
                                }
                                flat[nflat++] = now_ns() - f0;
                        }
                        if (bad) {
                                fprintf(stderr, "txnprod: transaction %ld: %s\n", t, last_err);
                                txn_failed++;
                                stop = abort_txn(rk);
                                continue;
                        }
                        int64_t c0 = now_ns();
                        e = rd_kafka_commit_transaction(rk, (int)(ms_left() > 60000 ? 60000 : ms_left()));
                        int64_t c1 = now_ns();
                        if (e) {
                                txn_failed++;
                                int abortable = rd_kafka_error_txn_requires_abort(e);
                                stop = take_error("commit_transaction", e);
                                if (!stop && abortable)
                                        stop = abort_txn(rk);
                                continue;
                        }
                        if (txn_dr_failed != dr_failed_before) {
                                /* a record failed yet the commit succeeded: report it */
                                fprintf(stderr, "txnprod: transaction %ld committed with %" PRIu64 " failed record(s): %s\n",
                                        t, txn_dr_failed - dr_failed_before, last_err);
                                txn_failed++;
                                continue;
                        }
                        committed++;
                        lat[nlat++] = c1 - c0;
                }
                rd_kafka_poll(rk, 0);
        }
        t1 = now_ns();
        long long b1 = broker_pid ? proc_ticks(broker_pid, &s1) : -1;

        double secs = (t1 - t0) / 1e9;
        uint64_t messages = (uint64_t)txns * (uint64_t)per_txn;
        printf("RESULT mode=%s partitions=%d transactions=%ld per_txn=%ld messages=%" PRIu64 " delivered=%" PRIu64
               " failed=%" PRIu64 " committed=%ld txn_failed=%ld seconds=%.3f rate=%.0f setup_seconds=%.3f",
               mode_name, parts, txns, per_txn, messages, delivered, failed, committed, txn_failed, secs,
               secs > 0 ? delivered / secs : 0, (t0 - start) / 1e9);
        if (mode != M_IDEMPOTENT) {
                qsort(lat, nlat, sizeof(*lat), cmp_i64);
                printf(" commit_p50_ms=%.3f commit_p99_ms=%.3f commit_max_ms=%.3f commit_mean_ms=%.3f",
                       pct_ms(lat, nlat, 50), pct_ms(lat, nlat, 99), nlat ? lat[nlat - 1] / 1e6 : 0,
                       mean_ms(lat, nlat));
        }
        if (mode == M_ENDTXN) {
                qsort(flat, nflat, sizeof(*flat), cmp_i64);
                printf(" flush_p50_ms=%.3f flush_p99_ms=%.3f", pct_ms(flat, nflat, 50), pct_ms(flat, nflat, 99));
        }
        if (b0 >= 0 && b1 >= 0)
                printf(" broker_ticks=%lld broker_sys_ticks=%lld", b1 - b0, s1 - s0);
        printf("\n");
        fflush(stdout);
        if (delivered != messages || failed || (mode != M_IDEMPOTENT && committed != txns))
                fprintf(stderr, "txnprod: %s: delivered %" PRIu64 "/%" PRIu64 ", failed %" PRIu64
                        ", committed %ld/%ld (%ld transactions started)%s%s\n",
                        mode_name, delivered, messages, failed, committed, mode == M_IDEMPOTENT ? 0 : txns,
                        done_txns, last_err[0] ? ", last error: " : "", last_err);

        if (rd_kafka_outq_len(rk) > 0) {
                rd_kafka_purge(rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
                rd_kafka_poll(rk, 0);
        }
        rd_kafka_topic_destroy(rkt);
        rd_kafka_destroy(rk);
        free(buf);
        free(lat);
        free(flat);
        return delivered == messages && failed == 0 && (mode == M_IDEMPOTENT || committed == txns) ? 0 : 1;
}
