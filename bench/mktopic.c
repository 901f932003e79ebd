/*
 * mktopic: make sure a benchmark topic exists before the timed phases.
 *
 *   mktopic -b <brokers> -t <topic> [-t <topic>...] [-n partitions=1]
 *           [-c create_timeout_s=5] [-w wait_s=15]
 *   mktopic -d -b <brokers> -t <topic> [-t <topic>...]
 *
 * With -d the topics are deleted instead (one DeleteTopics request), so a
 * benchmark's next run starts without the previous runs' data on disk; prints
 * DELETED <name> error=<name> per topic, exit status 0 if every one is gone.
 *
 * 1. One CreateTopics request (partitions, rf=1) for all topics.
 *    TOPIC_ALREADY_EXISTS is fine; an unsupported/failed/timed-out
 *    CreateTopics is reported and we rely on step 2.
 * 2. Metadata requests per topic (a producer handle asks the broker to
 *    auto-create it) until partition 0 has a leader or wait_s elapses.
 *
 * Prints one line per topic on stdout:
 *   TOPIC <name> partitions=<n> via=<created|exists|auto|none> [createtopics=<err>]
 * Exit status 0 when every topic's partition 0 is usable, 1 otherwise.
 */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_s(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void usage(const char *me) {
        fprintf(stderr,
                "usage: %s [-d] -b brokers -t topic [-t topic..] [-n partitions] "
                "[-c create_timeout_s] [-w wait_s]\n",
                me);
        exit(2);
}

#define MAX_TOPICS 16

int main(int argc, char **argv) {
        const char *brokers = NULL, *topics[MAX_TOPICS];
        int ntopics = 0, partitions = 1, create_s = 5, wait_s = 15, opt;
        char errstr[512];
        const char *via[MAX_TOPICS];
        char ct_err[MAX_TOPICS][128];
        int rc = 0, delete = 0;

        while ((opt = getopt(argc, argv, "db:t:n:c:w:")) != -1) {
                switch (opt) {
                case 'd': delete = 1; break;
                case 'b': brokers = optarg; break;
                case 't':
                        if (ntopics < MAX_TOPICS)
                                topics[ntopics++] = optarg;
                        break;
                case 'n': partitions = atoi(optarg); break;
                case 'c': create_s = atoi(optarg); break;
                case 'w': wait_s = atoi(optarg); break;
                default: usage(argv[0]);
                }
        }
        if (!brokers || !ntopics)
                usage(argv[0]);
        for (int i = 0; i < ntopics; i++) {
                via[i]      = "auto";
                ct_err[i][0] = '\0';
        }

        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        if (rd_kafka_conf_set(conf, "bootstrap.servers", brokers, errstr,
                              sizeof(errstr)) != RD_KAFKA_CONF_OK ||
            rd_kafka_conf_set(conf, "log_level", "3", errstr,
                              sizeof(errstr)) != RD_KAFKA_CONF_OK) {
                fprintf(stderr, "mktopic: %s\n", errstr);
                return 2;
        }
        rd_kafka_t *rk =
            rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        if (!rk) {
                fprintf(stderr, "mktopic: rd_kafka_new: %s\n", errstr);
                return 2;
        }

        if (delete) {
                rd_kafka_DeleteTopic_t *dt[MAX_TOPICS];
                for (int i = 0; i < ntopics; i++)
                        dt[i] = rd_kafka_DeleteTopic_new(topics[i]);
                rd_kafka_AdminOptions_t *ao =
                    rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_DELETETOPICS);
                rd_kafka_AdminOptions_set_request_timeout(ao, 10000, errstr, sizeof(errstr));
                rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
                rd_kafka_DeleteTopics(rk, dt, (size_t)ntopics, ao, q);
                rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 15000);
                size_t cnt = 0;
                const rd_kafka_topic_result_t **tr = NULL;
                if (ev && !rd_kafka_event_error(ev)) {
                        const rd_kafka_DeleteTopics_result_t *res =
                            rd_kafka_event_DeleteTopics_result(ev);
                        tr = res ? rd_kafka_DeleteTopics_result_topics(res, &cnt) : NULL;
                } else {
                        printf("DELETED * error=%s\n",
                               ev ? rd_kafka_err2name(rd_kafka_event_error(ev)) : "timeout");
                        rc = 1;
                }
                for (size_t j = 0; j < cnt; j++) {
                        rd_kafka_resp_err_t e = rd_kafka_topic_result_error(tr[j]);
                        printf("DELETED %s error=%s\n", rd_kafka_topic_result_name(tr[j]),
                               e ? rd_kafka_err2name(e) : "none");
                        if (e)
                                rc = 1;
                }
                if (ev)
                        rd_kafka_event_destroy(ev);
                rd_kafka_DeleteTopic_destroy_array(dt, (size_t)ntopics);
                rd_kafka_AdminOptions_destroy(ao);
                rd_kafka_queue_destroy(q);
                rd_kafka_destroy(rk);
                return rc;
        }

        /* 1. CreateTopics (one request for all topics) */
        if (create_s > 0) {
                rd_kafka_NewTopic_t *nt[MAX_TOPICS];
                for (int i = 0; i < ntopics; i++)
                        nt[i] = rd_kafka_NewTopic_new(topics[i], partitions, 1,
                                                      errstr, sizeof(errstr));
                rd_kafka_AdminOptions_t *ao =
                    rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
                rd_kafka_AdminOptions_set_request_timeout(ao, create_s * 1000,
                                                          errstr,
                                                          sizeof(errstr));
                rd_kafka_AdminOptions_set_operation_timeout(
                    ao, create_s * 1000, errstr, sizeof(errstr));
                rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
                rd_kafka_CreateTopics(rk, nt, (size_t)ntopics, ao, q);
                rd_kafka_event_t *ev =
                    rd_kafka_queue_poll(q, create_s * 1000 + 2000);
                if (!ev || rd_kafka_event_error(ev)) {
                        const char *e =
                            ev ? rd_kafka_err2name(rd_kafka_event_error(ev))
                               : "timeout";
                        for (int i = 0; i < ntopics; i++)
                                snprintf(ct_err[i], sizeof(ct_err[i]), "%s", e);
                } else {
                        size_t cnt = 0;
                        const rd_kafka_CreateTopics_result_t *res =
                            rd_kafka_event_CreateTopics_result(ev);
                        const rd_kafka_topic_result_t **tr =
                            res ? rd_kafka_CreateTopics_result_topics(res, &cnt)
                                : NULL;
                        for (int i = 0; i < ntopics; i++)
                                snprintf(ct_err[i], sizeof(ct_err[i]),
                                         "no-result");
                        for (size_t j = 0; j < cnt; j++) {
                                const char *name =
                                    rd_kafka_topic_result_name(tr[j]);
                                rd_kafka_resp_err_t e =
                                    rd_kafka_topic_result_error(tr[j]);
                                for (int i = 0; i < ntopics; i++) {
                                        if (strcmp(name, topics[i]))
                                                continue;
                                        ct_err[i][0] = '\0';
                                        if (e == RD_KAFKA_RESP_ERR_NO_ERROR)
                                                via[i] = "created";
                                        else if (
                                            e ==
                                            RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
                                                via[i] = "exists";
                                        else
                                                snprintf(ct_err[i],
                                                         sizeof(ct_err[i]), "%s",
                                                         rd_kafka_err2name(e));
                                }
                        }
                }
                if (ev)
                        rd_kafka_event_destroy(ev);
                rd_kafka_queue_destroy(q);
                rd_kafka_AdminOptions_destroy(ao);
                for (int i = 0; i < ntopics; i++)
                        rd_kafka_NewTopic_destroy(nt[i]);
        } else {
                for (int i = 0; i < ntopics; i++)
                        snprintf(ct_err[i], sizeof(ct_err[i]), "skipped");
        }

        /* 2. Metadata per topic (auto-creates on brokers that allow it);
         *    one overall deadline for all topics. */
        double deadline = now_s() + wait_s;
        for (int ti = 0; ti < ntopics; ti++) {
                const char *topic = topics[ti];
                rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
                int nparts = -1, ok = 0;
                char last_err[256] = "no metadata";
                int tries = 0;
                while (!ok && (now_s() < deadline || tries == 0)) {
                        tries++;
                        const struct rd_kafka_metadata *md = NULL;
                        rd_kafka_resp_err_t e =
                            rd_kafka_metadata(rk, 0, rkt, &md, 5000);
                        if (e) {
                                snprintf(last_err, sizeof(last_err), "%s",
                                         rd_kafka_err2name(e));
                        } else {
                                for (int i = 0; i < md->topic_cnt; i++) {
                                        const struct rd_kafka_metadata_topic
                                            *t = &md->topics[i];
                                        if (strcmp(t->topic, topic))
                                                continue;
                                        if (t->err) {
                                                snprintf(
                                                    last_err, sizeof(last_err),
                                                    "%s",
                                                    rd_kafka_err2name(t->err));
                                                continue;
                                        }
                                        nparts = t->partition_cnt;
                                        for (int p = 0; p < t->partition_cnt;
                                             p++)
                                                if (t->partitions[p].id == 0 &&
                                                    t->partitions[p].leader >=
                                                        0 &&
                                                    !t->partitions[p].err)
                                                        ok = 1;
                                        if (!ok)
                                                snprintf(last_err,
                                                         sizeof(last_err),
                                                         "partition 0 has no "
                                                         "leader");
                                }
                                rd_kafka_metadata_destroy(md);
                        }
                        if (!ok)
                                usleep(200 * 1000);
                }
                rd_kafka_topic_destroy(rkt);

                if (!ok) {
                        fprintf(stderr,
                                "mktopic: topic %s not usable after %ds: %s "
                                "(CreateTopics: %s)\n",
                                topic, wait_s, last_err,
                                ct_err[ti][0] ? ct_err[ti] : "ok");
                        via[ti] = "none";
                        rc      = 1;
                }
                printf("TOPIC %s partitions=%d via=%s%s%s\n", topic, nparts,
                       via[ti], ct_err[ti][0] ? " createtopics=" : "",
                       ct_err[ti]);
        }
        rd_kafka_destroy(rk);
        return rc;
}
