# forgebot - one Makefile, read top to bottom.
#
#   make            build ./forgebot (developer build: -O2, warnings are errors)
#   make deps       install the Debian 12 packages and fetch the pinned grammars
#   make test       build with ASan+UBSan and run every test; ends "N passed, N failed"
#   make run        install what is missing, build, start forgebot serve on 127.0.0.1:8080
#   make bench      benchmarks: the engine against ast-grep, forgebot ci end to end, webhook
#                   intake against @octokit/webhooks (docs/benchmarks.md)
#   make fuzz       libFuzzer targets: diff parser, YAML, rule loader, forge answers
#                   (FUZZ_SECONDS per target, default 60; make fuzz-build only builds)
#   make install    copy ./forgebot to $(PREFIX)/bin (default /usr/local)
#   make clean

CC      ?= cc
PKGS    := tree-sitter yaml-0.1 libgit2 jansson libpcre2-8 libcrypto libcurl zlib \
           libmicrohttpd sqlite3 libpq
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

# Debian 12 packages: build dependencies, then what tests and benchmarks run.
DEB_BUILD := build-essential pkg-config libtree-sitter-dev libyaml-dev libgit2-dev \
             libjansson-dev libpcre2-dev libssl-dev libcurl4-openssl-dev zlib1g-dev openssl \
             libmicrohttpd-dev libsqlite3-dev libpq-dev \
             nodejs npm git ca-certificates
DEB_TEST  := clang libclang-rt-14-dev python3 python3.11 python3-jsonschema golang-go libc6-dev hyperfine time \
             python3-gitlab python3-yaml golang-github-xanzy-go-gitlab-dev curl \
             postgresql wrk prometheus prometheus-alertmanager lighttpd apache2-utils

NPROC := $(shell nproc 2>/dev/null || echo 2)

GRAMMAR_CACHE ?= .cache/grammars
GRAMMAR_LOCK  := analyzers/languages/grammars.lock
GRAMMAR_STAMP := $(GRAMMAR_CACHE)/.fetched
LANGS := c cpp python javascript typescript tsx go rust java ruby bash yaml json
# Languages whose grammar has an external scanner (src/scanner.c).
SCANNERS := cpp python javascript typescript tsx rust ruby bash yaml

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread

COMMON_CFLAGS := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wshadow -Wno-unused-parameter \
                 -MMD -MP -DFORGEBOT_VERSION='"$(VERSION)"' $(PKG_CFLAGS)
DEV_CFLAGS  := $(COMMON_CFLAGS) -O2 -g -Werror
TEST_CFLAGS := $(COMMON_CFLAGS) -O1 -g -fsanitize=address,undefined \
               -fno-omit-frame-pointer -fno-sanitize-recover=undefined -DFORGEBOT_TEST
TEST_LDFLAGS := -fsanitize=address,undefined
# Third-party grammar code: optimized, no warnings, no sanitizers.
GRAMMAR_CFLAGS := -std=c11 -O2 -w -fPIC

# Our sources.  bot/main.c holds main(); everything else is shared by the
# binary and the unit tests.
LIB_SRC := $(wildcard bot/core/*.c bot/cmd/*.c bot/agents/*.c bot/git/*.c bot/forge/*.c \
             bot/store/*.c bot/http/*.c bot/orchestrator/*.c webhooks/*.c \
             analyzers/engine/*.c analyzers/languages/*.c analyzers/report/*.c \
             analyzers/diff/*.c)
MAIN_SRC := bot/main.c
UNIT_SRC := $(wildcard tests/unit/*.c)

# The built-in rule packs, embedded into the binary as generated C.
RULE_FILES := $(shell find analyzers/rules -name '*.yml' 2>/dev/null)
GEN_SRC := build/gen/builtin_rules.c

GRAMMAR_OBJ := $(foreach l,$(LANGS),build/grammars/$(l)/parser.o) \
               $(foreach l,$(SCANNERS),build/grammars/$(l)/scanner.o)

GEN_OBJ  := gen/builtin_rules.o gen/kind_keywords.o
DEV_OBJ  := $(patsubst %.c,build/dev/%.o,$(LIB_SRC) $(MAIN_SRC)) $(addprefix build/dev/,$(GEN_OBJ))
TEST_OBJ := $(patsubst %.c,build/test/%.o,$(LIB_SRC)) $(addprefix build/test/,$(GEN_OBJ))
TEST_MAIN_OBJ := build/test/bot/main.o
UNIT_OBJ := $(patsubst %.c,build/test/%.o,$(UNIT_SRC))

.PHONY: all deps deps-build tools grammars test unit run bench fuzz fuzz-build clean
.DELETE_ON_ERROR:

all: forgebot

forgebot: $(DEV_OBJ) $(GRAMMAR_OBJ)
	$(CC) -o $@ $^ $(PKG_LIBS)

build/dev/%.o: %.c | $(GRAMMAR_STAMP)
	@mkdir -p $(@D)
	$(CC) $(DEV_CFLAGS) -c -o $@ $<

build/test/%.o: %.c | $(GRAMMAR_STAMP)
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -c -o $@ $<

$(GEN_SRC): $(RULE_FILES) analyzers/rules/embed.sh
	@mkdir -p $(@D)
	sh analyzers/rules/embed.sh analyzers/rules > $@

# Keywords each node kind must contain, from the grammars (for the prefilter).
build/gen/kind_keywords.c: $(GRAMMAR_STAMP) analyzers/languages/gen-keywords.js
	@mkdir -p $(@D)
	node analyzers/languages/gen-keywords.js $(GRAMMAR_CACHE) $(LANGS) > $@

build/dev/gen/%.o: build/gen/%.c
	@mkdir -p $(@D)
	$(CC) $(DEV_CFLAGS) -I. -c -o $@ $<

build/test/gen/%.o: build/gen/%.c
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -I. -c -o $@ $<

# --- grammars: fetched from npm at pinned versions, verified, compiled in ---
grammars: $(GRAMMAR_STAMP)

$(GRAMMAR_STAMP): $(GRAMMAR_LOCK) analyzers/languages/fetch-grammars.sh
	sh analyzers/languages/fetch-grammars.sh $(GRAMMAR_LOCK) $(GRAMMAR_CACHE)
	@touch $@

build/grammars/%/parser.o: $(GRAMMAR_STAMP)
	@mkdir -p $(@D)
	$(CC) $(GRAMMAR_CFLAGS) -I$(GRAMMAR_CACHE)/$* -c -o $@ $(GRAMMAR_CACHE)/$*/parser.c

build/grammars/%/scanner.o: $(GRAMMAR_STAMP)
	@mkdir -p $(@D)
	$(CC) $(GRAMMAR_CFLAGS) -I$(GRAMMAR_CACHE)/$* -c -o $@ $(GRAMMAR_CACHE)/$*/scanner.c

# --- dependencies ---
# Debian packages (only those missing; sudo when not root), the grammar
# sources, and the npm tools the tests and benchmarks compare against
# (tests/tools/package-lock.json pins them).
deps: deps-build tools

deps-build:
	@sh .ci/install-deps.sh $(DEB_BUILD) $(DEB_TEST)
	@$(MAKE) --no-print-directory grammars

tools: tests/tools/node_modules/.installed

tests/tools/node_modules/.installed: tests/tools/package.json tests/tools/package-lock.json
	cd tests/tools && npm ci --no-audit --no-fund --loglevel=error
	chmod u+x tests/tools/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool
	@touch $@

# --- tests: the sanitizer build, unit tests, rule cases, CLI and peer tests ---
build/test/forgebot: $(TEST_OBJ) $(TEST_MAIN_OBJ) $(GRAMMAR_OBJ)
	$(CC) $(TEST_LDFLAGS) -o $@ $^ $(PKG_LIBS)

build/test/unit-tests: $(UNIT_OBJ) $(TEST_OBJ) $(GRAMMAR_OBJ)
	$(CC) $(TEST_LDFLAGS) -o $@ $^ $(PKG_LIBS)

# Calls every forge operation once; tests/integration/forge_contract.test.sh
# runs it against the GitHub and GitLab test peers.
build/test/forge-ops: build/test/tests/contract/forge_ops.o $(TEST_OBJ) $(GRAMMAR_OBJ)
	$(CC) $(TEST_LDFLAGS) -o $@ $^ $(PKG_LIBS)

# Runs the server's review agent on one job (tests/integration/review_job.test.sh).
build/test/review-job: build/test/tests/contract/review_job.o $(TEST_OBJ) $(GRAMMAR_OBJ)
	$(CC) $(TEST_LDFLAGS) -o $@ $^ $(PKG_LIBS)

# Normalizes every example webhook payload (tests/integration/webhooks_fixtures.test.sh).
build/test/webhooks-replay: build/test/tests/contract/webhooks_replay.o $(TEST_OBJ) $(GRAMMAR_OBJ)
	$(CC) $(TEST_LDFLAGS) -o $@ $^ $(PKG_LIBS)

test: deps
	@$(MAKE) --no-print-directory -j$(NPROC) build/test/forgebot build/test/unit-tests \
		build/test/forge-ops build/test/review-job build/test/webhooks-replay forgebot
	@sh tests/run.sh

unit: build/test/unit-tests
	./build/test/unit-tests

# --- run: the server on its embedded defaults (SQLite in ./forgebot.db) ---
run: deps-build
	@$(MAKE) --no-print-directory -j$(NPROC) forgebot
	./forgebot serve

bench: deps
	@$(MAKE) --no-print-directory -j$(NPROC) forgebot
	sh tests/bench/run.sh
	sh tests/bench/ci.sh
	sh tests/bench/webhooks.sh

# --- fuzz: libFuzzer targets, built with clang; tests/fuzz/run.sh runs them ---
# The library (without the command files) is instrumented for coverage and
# archived, so each target links only what it uses.
FUZZ_CC     ?= clang
FUZZ_CFLAGS := $(COMMON_CFLAGS) -O1 -g -fsanitize=fuzzer-no-link,address,undefined \
               -fno-omit-frame-pointer -fno-sanitize-recover=undefined
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN := $(patsubst tests/fuzz/%.c,build/fuzz/%,$(FUZZ_SRC))
FUZZ_OBJ := $(patsubst %.c,build/fuzz/obj/%.o,$(filter-out bot/cmd/%,$(LIB_SRC))) \
            $(addprefix build/fuzz/obj/,$(GEN_OBJ))

build/fuzz/obj/%.o: %.c | $(GRAMMAR_STAMP)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

build/fuzz/obj/gen/%.o: build/gen/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -I. -c -o $@ $<

# `ar q`: two sources may share a base name (bot/agents/review.c, ...).
build/fuzz/libforgebot.a: $(FUZZ_OBJ)
	rm -f $@
	ar qcs $@ $^

$(FUZZ_BIN): build/fuzz/%: tests/fuzz/%.c build/fuzz/libforgebot.a $(GRAMMAR_OBJ)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< build/fuzz/libforgebot.a \
		$(GRAMMAR_OBJ) $(PKG_LIBS)

fuzz-build: $(FUZZ_BIN)

fuzz: fuzz-build
	sh tests/fuzz/run.sh

PREFIX ?= /usr/local
install: forgebot
	install -D -m 0755 forgebot $(DESTDIR)$(PREFIX)/bin/forgebot

clean:
	rm -rf build forgebot

-include $(DEV_OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(UNIT_OBJ:.o=.d) $(TEST_MAIN_OBJ:.o=.d) \
         $(wildcard build/test/tests/contract/*.d) \
         $(FUZZ_OBJ:.o=.d) $(FUZZ_BIN:=.d)
