/*
 * engine_int.h - the engine's internals shared by engine.c and scan.c.
 * Not for use outside analyzers/engine/.
 */
#ifndef FB_ENGINE_INT_H
#define FB_ENGINE_INT_H

#include <pthread.h>
#include <stdint.h>
#include <tree_sitter/api.h>

#include "../../bot/core/buf.h"
#include "engine.h"
#include "env.h"

/* The enabled rules of one language and their node-kind index. */
struct lang_rules {
	const struct lang *lang;
	struct engine_rule *rules;
	size_t n;
	uint32_t nsymbols;
	size_t *by_kind_start; /* nsymbols + 1 offsets into by_kind */
	size_t *by_kind;
	size_t *any_kind;
	size_t nany;
};

struct engine {
	struct engine_opts opts;
	struct lang_rules *langs;
	size_t nlangs;
};

struct pool;

/* Everything one thread needs; owned by that thread for the whole scan. */
struct scan_worker {
	struct pool *pool;
	pthread_t thread;
	int rc;
	TSParser *parser;
	TSQueryCursor *cursor;
	struct env env;
	struct buf text;      /* the current file's content */
	unsigned char *active; /* per rule of the current language: passed the prefilter */
	size_t active_cap;
	struct scan_result res;
};

const struct lang_rules *engine_lang_rules(const struct engine *e, const struct lang *l);
int scan_worker_init(struct scan_worker *w);
void scan_worker_release(struct scan_worker *w);
/* Scan one input into w->res; per-file problems become skips.  <0 only on
 * out-of-memory. */
int scan_one(struct scan_worker *w, const struct engine *e, const struct scan_input *in);

#endif
