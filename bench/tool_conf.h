/*
 * tool_conf.h: the "-X key=value" librdkafka setting every bench tool takes.
 * Header-only (each tool is one .c file compiled on its own by run.sh).
 */
#ifndef KAPPA_BENCH_TOOL_CONF_H
#define KAPPA_BENCH_TOOL_CONF_H

#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Sets "key=value" on conf; prints why to stderr (prefixed with tool) and
 * returns -1 if kv has no '=' or librdkafka refuses it. */
static int tool_conf_set(rd_kafka_conf_t *conf, const char *kv, const char *tool) {
        char errstr[512];
        char *dup = strdup(kv), *eq = dup ? strchr(dup, '=') : NULL;
        if (!eq) {
                fprintf(stderr, "%s: expected key=value, not %s\n", tool, kv);
                free(dup);
                return -1;
        }
        *eq = '\0';
        int rc = rd_kafka_conf_set(conf, dup, eq + 1, errstr, sizeof(errstr)) == RD_KAFKA_CONF_OK ? 0 : -1;
        if (rc)
                fprintf(stderr, "%s: %s\n", tool, errstr);
        free(dup);
        return rc;
}

#endif
