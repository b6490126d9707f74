/* Thread-count policy and the fork-join loop declared in parallel.h. */
#include "parallel.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "../include/zkclear.h"

static int g_threads = 0; /* 0: not chosen yet */

int zk_num_threads(void) {
    if (g_threads > 0) return g_threads;
    const char *env = getenv("ZK_THREADS");
    int n = env ? atoi(env) : 0;
    if (n <= 0) n = (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (n <= 0) n = 1;
    if (n > 256) n = 256;
    g_threads = n;
    return n;
}

void zk_set_num_threads(int n) { g_threads = n > 0 ? (n > 256 ? 256 : n) : 0; }

int zk_threads_for(size_t n, size_t min_chunk) {
    int t = zk_num_threads();
    if (min_chunk == 0) min_chunk = 1;
    size_t by_size = n / min_chunk;
    if (by_size < (size_t)t) t = by_size > 0 ? (int)by_size : 1;
    return t;
}

struct job {
    zk_range_fn fn;
    void *ctx;
    size_t begin, end;
    int worker;
};

static void *run_job(void *p) {
    struct job *j = p;
    j->fn(j->ctx, j->begin, j->end, j->worker);
    return NULL;
}

void zk_parallel_for(size_t n, size_t min_chunk, zk_range_fn fn, void *ctx) {
    int t = zk_threads_for(n, min_chunk);
    if (t <= 1 || n == 0) {
        fn(ctx, 0, n, 0);
        return;
    }
    struct job jobs[256];
    pthread_t tids[256];
    int started[256] = {0};
    size_t chunk = (n + (size_t)t - 1) / (size_t)t;
    for (int w = 0; w < t; w++) {
        size_t b = (size_t)w * chunk, e = b + chunk > n ? n : b + chunk;
        jobs[w] = (struct job){fn, ctx, b < n ? b : n, e, w};
    }
    for (int w = 1; w < t; w++) started[w] = pthread_create(&tids[w], NULL, run_job, &jobs[w]) == 0;
    run_job(&jobs[0]);
    for (int w = 1; w < t; w++) {
        if (started[w]) {
            pthread_join(tids[w], NULL);
        } else {
            run_job(&jobs[w]); /* thread creation failed: do the chunk here */
        }
    }
}
