/*
 * handoff-broker: a Kafka-protocol broker for local development and tests,
 * made from librdkafka's mock cluster (rdkafka_mock.h).
 *
 * usage: handoff-broker [--brokers N] [--rebalance-delay-ms N]
 *                       [--topics-file PATH] [--debug mock]
 *                       [TOPIC:PARTITIONS ...]
 *
 * Prints exactly one line "BOOTSTRAP host:port[,host:port...]" on stdout once
 * the cluster is ready, then runs until SIGTERM or SIGINT and exits 0.
 * Everything else (errors, librdkafka logs) goes to stderr.
 *
 * Built and cached by build.mjs; started by broker.mjs. See README.md for the
 * reasons behind each setting and for the mock's known limits.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "rdkafka.h"
#include "rdkafka_mock.h"

#define MAX_BROKERS 32
#define MAX_PARTITIONS 10000
#define MAX_TOPIC_NAME 249 /* Kafka's own limit on topic name length */

/* Set in the environment by broker.mjs: the pid of the Node process that
 * spawned us, so the parent-death check below has no race. */
#define PARENT_PID_ENV "HANDOFF_BROKER_PARENT_PID"

/* librdkafka 2.15.1 mock: the mock thread serves its op queue and only then
 * drains the pipe that wakes it, so an op enqueued in between (as the next
 * rd_kafka_mock_*() call is, right after the reply to the previous one) loses
 * its wake-up and waits for the thread's 1 s poll timeout; the same race then
 * repeats on every other op (30 topics took 10 s). Pausing briefly after
 * each op lets the thread go back to poll() first. */
static void after_mock_op(void) {
        struct timespec ts = {0, 1000 * 1000}; /* 1 ms */
        nanosleep(&ts, NULL);
}

typedef struct {
        char *name;
        int partitions;
} topic_t;

static topic_t *topics;
static size_t topic_cnt, topic_cap;

static void die(const char *fmt, ...) {
        va_list ap;
        fputs("handoff-broker: error: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        exit(2);
}

static void usage(FILE *out) {
        fputs("usage: handoff-broker [--brokers N] [--rebalance-delay-ms N]\n"
              "                      [--topics-file PATH] [--debug mock] "
              "[TOPIC:PARTITIONS ...]\n"
              "\n"
              "Starts an in-memory Kafka-protocol broker (librdkafka mock "
              "cluster) on\n"
              "127.0.0.1, prints \"BOOTSTRAP host:port,...\" on stdout and "
              "runs until\n"
              "SIGTERM/SIGINT. --topics-file reads one name:partitions per "
              "line\n"
              "(blank lines and lines starting with # are ignored).\n",
              out);
}

/* Parses a decimal integer in [min, max]; dies with a message naming what. */
static int parse_int(const char *s, int min, int max, const char *what) {
        char *end;
        long v;
        errno = 0;
        v     = strtol(s, &end, 10);
        if (errno || end == s || *end || v < min || v > max)
                die("%s must be an integer in %d..%d, got \"%s\"", what, min,
                    max, s);
        return (int)v;
}

static int valid_topic_char(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
               (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

/* Adds "name:partitions" to the topic list. \p where names the source of the
 * spec (argument or file:line) for error messages. */
static void add_topic_spec(const char *spec, const char *where) {
        const char *colon = strrchr(spec, ':');
        size_t len, i;
        char pbuf[PATH_MAX + 96];

        if (!colon || colon == spec)
                die("%s: expected TOPIC:PARTITIONS, got \"%s\"", where, spec);
        len = (size_t)(colon - spec);
        if (len > MAX_TOPIC_NAME)
                die("%s: topic name longer than %d characters", where,
                    MAX_TOPIC_NAME);
        for (i = 0; i < len; i++)
                if (!valid_topic_char(spec[i]))
                        die("%s: invalid character '%c' in topic name \"%.*s\" "
                            "(allowed: a-z A-Z 0-9 . _ -)",
                            where, spec[i], (int)len, spec);
        if ((len == 1 && spec[0] == '.') ||
            (len == 2 && spec[0] == '.' && spec[1] == '.'))
                die("%s: topic name cannot be \".\" or \"..\"", where);

        snprintf(pbuf, sizeof(pbuf), "partitions of topic \"%.*s\" (%s)",
                 (int)(len > 20 ? 20 : len), spec, where);

        for (i = 0; i < topic_cnt; i++)
                if (strlen(topics[i].name) == len &&
                    !strncmp(topics[i].name, spec, len))
                        die("%s: topic \"%.*s\" given twice", where, (int)len,
                            spec);

        if (topic_cnt == topic_cap) {
                topic_cap = topic_cap ? topic_cap * 2 : 16;
                topics    = realloc(topics, topic_cap * sizeof(*topics));
                if (!topics)
                        die("out of memory");
        }
        topics[topic_cnt].name       = strndup(spec, len);
        topics[topic_cnt].partitions =
            parse_int(colon + 1, 1, MAX_PARTITIONS, pbuf);
        if (!topics[topic_cnt].name)
                die("out of memory");
        topic_cnt++;
}

static void read_topics_file(const char *path) {
        FILE *fp = fopen(path, "r");
        char *line = NULL, *s, *e;
        size_t cap = 0;
        int lineno = 0;
        char where[PATH_MAX + 32];

        if (!fp)
                die("cannot open topics file %s: %s", path, strerror(errno));
        while (getline(&line, &cap, fp) != -1) {
                lineno++;
                /* Trim leading and trailing whitespace (also \r from CRLF). */
                for (s = line; *s == ' ' || *s == '\t'; s++)
                        ;
                e = s + strlen(s);
                while (e > s && (e[-1] == '\n' || e[-1] == '\r' ||
                                 e[-1] == ' ' || e[-1] == '\t'))
                        *--e = '\0';
                if (!*s || *s == '#')
                        continue;
                snprintf(where, sizeof(where), "%s:%d", path, lineno);
                add_topic_spec(s, where);
        }
        if (ferror(fp))
                die("cannot read topics file %s: %s", path, strerror(errno));
        free(line);
        fclose(fp);
}

/* Dies with the parent (Linux): the broker is a child of a Node test run or
 * dev script, and must not outlive it even when that process is killed -9. */
static void die_with_parent(void) {
#ifdef __linux__
        const char *env = getenv(PARENT_PID_ENV);
        pid_t expected  = env ? (pid_t)atol(env) : getppid();

        if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1)
                die("prctl(PR_SET_PDEATHSIG): %s", strerror(errno));
        /* The parent may have died between fork() and prctl(): then no
         * signal will ever come, and we have been reparented already. */
        if (getppid() != expected) {
                fprintf(stderr,
                        "handoff-broker: parent process %ld is gone, "
                        "exiting\n",
                        (long)expected);
                exit(1);
        }
#endif
}

int main(int argc, char **argv) {
        int broker_cnt = 1, rebalance_delay_ms = 0, i, sig;
        const char *debug = NULL;
        size_t t;
        char errstr[512];
        rd_kafka_conf_t *conf;
        rd_kafka_t *rk;
        rd_kafka_mock_cluster_t *mc;
        rd_kafka_resp_err_t err;
        const char *bootstraps;
        sigset_t sigs;

        die_with_parent();

        for (i = 1; i < argc; i++) {
                const char *a = argv[i];
                if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
                        usage(stdout);
                        return 0;
                } else if (!strcmp(a, "--brokers") ||
                           !strcmp(a, "--rebalance-delay-ms") ||
                           !strcmp(a, "--topics-file") ||
                           !strcmp(a, "--debug")) {
                        if (i + 1 >= argc)
                                die("%s needs a value", a);
                        if (!strcmp(a, "--debug"))
                                debug = argv[++i];
                        else if (!strcmp(a, "--brokers"))
                                broker_cnt = parse_int(argv[++i], 1,
                                                       MAX_BROKERS, a);
                        else if (!strcmp(a, "--rebalance-delay-ms"))
                                rebalance_delay_ms =
                                    parse_int(argv[++i], 0, INT_MAX, a);
                        else
                                read_topics_file(argv[++i]);
                } else if (a[0] == '-') {
                        usage(stderr);
                        die("unknown option %s", a);
                } else {
                        char where[64];
                        snprintf(where, sizeof(where), "argument %d", i);
                        add_topic_spec(a, where);
                }
        }

        /* Block the stop signals in every thread (librdkafka's threads
         * inherit this mask) and collect them with sigwait() below, so no
         * async signal handler has to touch librdkafka. */
        sigemptyset(&sigs);
        sigaddset(&sigs, SIGTERM);
        sigaddset(&sigs, SIGINT);
        if ((errno = pthread_sigmask(SIG_BLOCK, &sigs, NULL)))
                die("pthread_sigmask: %s", strerror(errno));
        /* A client closing its socket mid-write must not kill the broker. */
        signal(SIGPIPE, SIG_IGN);

        /* The mock cluster needs an rd_kafka_t for bookkeeping only: a
         * producer with no bootstrap.servers never connects anywhere. */
        conf = rd_kafka_conf_new();
        /* Warnings and errors only (librdkafka's default is info): stderr is
         * forwarded to the developer's console by broker.mjs. */
        if (rd_kafka_conf_set(conf, "log_level", debug ? "7" : "4", errstr,
                              sizeof(errstr)) != RD_KAFKA_CONF_OK)
                die("%s", errstr);
        /* --debug mock (or any librdkafka debug contexts): the mock's request
         * and consumer-group traces, on stderr. */
        if (debug && rd_kafka_conf_set(conf, "debug", debug, errstr,
                                       sizeof(errstr)) != RD_KAFKA_CONF_OK)
                die("--debug: %s", errstr);
        rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        if (!rk)
                die("rd_kafka_new: %s", errstr);

        mc = rd_kafka_mock_cluster_new(rk, broker_cnt);
        if (!mc)
                die("cannot create the mock cluster (%d brokers): could not "
                    "listen on 127.0.0.1",
                    broker_cnt);

        /* The mock numbers brokers 1..N but reports controller id 0 unless
         * told otherwise; kafkajs' admin client and idempotent producer then
         * fail with "Broker 0 not found in the cached metadata". */
        rd_kafka_mock_set_controller_id(mc, 1);

        /* LeaveGroup (ApiKey 13): the mock advertises v0-4 but parses only
         * v0-2. kafkajs picks v3, its leave is ignored, and the next join of
         * the group waits out the whole session timeout. Cap it at v2. */
        err = rd_kafka_mock_set_apiversion(mc, 13 /* LeaveGroup */, 0, 2);
        if (err)
                die("cannot limit LeaveGroup to v0-2: %s",
                    rd_kafka_err2str(err));
        after_mock_op();

        /* group.initial.rebalance.delay.ms: the mock defaults to 3000 ms (as
         * Kafka does), which only slows down the first join in tests. */
        rd_kafka_mock_group_initial_rebalance_delay_ms(mc, rebalance_delay_ms);

        /* The mock has no CreateTopics handler (clients get
         * KafkaJSServerDoesNotSupportApiKey), so every topic is created here.
         * Topics that are not listed are auto-created on first use with the
         * mock's default of 4 partitions; rdkafka_mock.h has no setter for
         * that default. Replication factor 1: the mock keeps one copy. */
        for (t = 0; t < topic_cnt; t++) {
                err = rd_kafka_mock_topic_create(mc, topics[t].name,
                                                 topics[t].partitions, 1);
                if (err)
                        die("cannot create topic \"%s\" with %d partitions: "
                            "%s",
                            topics[t].name, topics[t].partitions,
                            rd_kafka_err2str(err));
                after_mock_op();
        }

        bootstraps = rd_kafka_mock_cluster_bootstraps(mc);
        if (printf("BOOTSTRAP %s\n", bootstraps) < 0 || fflush(stdout) == EOF)
                die("cannot write to stdout: %s", strerror(errno));

        /* Run until asked to stop. */
        if ((errno = sigwait(&sigs, &sig)))
                die("sigwait: %s", strerror(errno));

        rd_kafka_mock_cluster_destroy(mc);
        rd_kafka_destroy(rk);
        for (t = 0; t < topic_cnt; t++)
                free(topics[t].name);
        free(topics);
        return 0;
}
