/*
 * LD_PRELOAD malloc counter: counts malloc/calloc/realloc/posix_memalign/aligned_alloc calls
 * from the moment ATTUNE_MALLOC_COUNT_START appears... simply for the whole process, and prints
 * the totals to stderr at exit. Used by Scripts/bench/run.sh to show the per-frame path does not
 * allocate: the count for a long recording minus the count for a short one, per extra frame.
 *
 *   cc -O2 -shared -fPIC malloc_counter.c -o malloc_counter.so -ldl
 *   LD_PRELOAD=./malloc_counter.so attune analyze call.wav --json > /dev/null
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static atomic_long count;
static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static int (*real_posix_memalign)(void **, size_t, size_t);
static void *(*real_aligned_alloc)(size_t, size_t);

/* dlsym may itself call calloc: serve it from a small static arena until resolved. */
static char arena[4096];
static size_t arena_used;
static int resolving;

static void resolve(void) {
    if (real_malloc) return;
    resolving = 1;
    real_malloc = dlsym(RTLD_NEXT, "malloc");
    real_calloc = dlsym(RTLD_NEXT, "calloc");
    real_realloc = dlsym(RTLD_NEXT, "realloc");
    real_posix_memalign = dlsym(RTLD_NEXT, "posix_memalign");
    real_aligned_alloc = dlsym(RTLD_NEXT, "aligned_alloc");
    resolving = 0;
}

void *malloc(size_t size) { resolve(); atomic_fetch_add(&count, 1); return real_malloc(size); }
void *calloc(size_t n, size_t size) {
    if (resolving) { void *p = arena + arena_used; arena_used += (n * size + 15) & ~15UL; memset(p, 0, n * size); return p; }
    resolve(); atomic_fetch_add(&count, 1); return real_calloc(n, size);
}
void *realloc(void *p, size_t size) { resolve(); atomic_fetch_add(&count, 1); return real_realloc(p, size); }
int posix_memalign(void **p, size_t alignment, size_t size) { resolve(); atomic_fetch_add(&count, 1); return real_posix_memalign(p, alignment, size); }
void *aligned_alloc(size_t alignment, size_t size) { resolve(); atomic_fetch_add(&count, 1); return real_aligned_alloc(alignment, size); }
void free(void *p) {
    static void (*real_free)(void *);
    if ((char *)p >= arena && (char *)p < arena + sizeof arena) return;
    if (!real_free) real_free = dlsym(RTLD_NEXT, "free");
    real_free(p);
}

__attribute__((destructor)) static void report(void) {
    fprintf(stderr, "malloc-calls %ld\n", atomic_load(&count));
}
