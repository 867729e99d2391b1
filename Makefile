# leadgen build. `make` builds build/leadgen; `make test` sets up, builds and
# runs every suite; `make asan` builds the sanitizer variant in build/asan;
# `make fuzz-long` fuzzes every target for a while and grows the corpora.
# `make WERROR=1` turns warnings into errors (CI does; off by default so a newer
# compiler's new warnings do not stop a user's build).
BUILD   ?= build
CC      ?= cc
PKGS    := libmicrohttpd sqlite3 libpq jansson libsodium libcurl openssl libpsl libcares libidn2 icu-uc icu-i18n
WERROR  ?= 0
WARN    := -std=c17 -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wstrict-prototypes \
           -Wmissing-prototypes -Wformat=2 -Wvla $(if $(filter 1,$(WERROR)),-Werror)
OPT     ?= -O2 -g
SAN     ?=
# Distribution hardening: checked libc calls (needs -O1 or more; the sanitizer
# builds turn it off with FORTIFY=), stack canaries, a position-independent
# executable with read-only relocations bound at start-up.
FORTIFY ?= -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=2
HARDEN  := $(FORTIFY) -fstack-protector-strong -fPIE
CFLAGS  := $(OPT) $(WARN) $(HARDEN) $(SAN) -D_GNU_SOURCE -Isrc -I$(BUILD)/gen \
           $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS  := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lunistring -lpthread -lm
LDFLAGS := $(SAN) -pie -Wl,-z,relro -Wl,-z,now

LIB_SRC  := $(filter-out $(LIB_EXCLUDE),$(sort $(shell find src -name '*.c' ! -name main.c)))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/embedded.o
UNIT_SRC := $(filter-out $(LIB_EXCLUDE),$(sort $(wildcard tests/unit/*.c)))
UNIT_OBJ := $(UNIT_SRC:%.c=$(BUILD)/obj/%.o)
FUZZ_SRC := $(filter-out $(LIB_EXCLUDE),$(sort $(wildcard tests/fuzz/fuzz_*.c)))
MIGRATIONS := $(sort $(wildcard src/store/migrations/*/*.sql))
# Email-verification lists (make update-lists refreshes them from the npm registry)
VERIFY_LISTS := data/verify-disposable.txt data/verify-free.txt data/verify-role.txt

.PHONY: all run test asan unit fuzz fuzz-long bench format clean setup compdb update-lists
all: $(BUILD)/leadgen

setup:
	@scripts/setup.sh

update-lists:
	scripts/update-lists.sh

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/embed: tools/embed.c
	@mkdir -p $(dir $@)
	$(CC) -O1 -o $@ $<

$(BUILD)/gen/openapi.json: docs/openapi.yaml scripts/yaml2json.py
	@mkdir -p $(dir $@)
	scripts/yaml2json.py $< $@

# One generated file carries every migration (named by backend and number), the OpenAPI JSON
# and the extraction engine's junk-email lists (data/junk.txt).
$(BUILD)/gen/embedded.c: $(BUILD)/embed $(MIGRATIONS) $(BUILD)/gen/openapi.json data/junk.txt $(VERIFY_LISTS)
	$(BUILD)/embed $@ $(foreach m,$(MIGRATIONS),migration_$(notdir $(patsubst %/,%,$(dir $(m))))_$(basename $(notdir $(m)))=$(m)) \
	  openapi_json=$(BUILD)/gen/openapi.json extract_junk_txt=data/junk.txt \
	  verify_disposable_txt=data/verify-disposable.txt verify_free_txt=data/verify-free.txt \
	  verify_role_txt=data/verify-role.txt

$(BUILD)/obj/gen/embedded.o: $(BUILD)/gen/embedded.c
	@mkdir -p $(dir $@)
	$(CC) $(OPT) $(HARDEN) $(SAN) -c $< -o $@

$(BUILD)/libleadgen.a: $(LIB_OBJ)
	ar rcs $@ $^

$(BUILD)/leadgen: $(BUILD)/obj/src/main.o $(BUILD)/libleadgen.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/unit_tests: $(UNIT_OBJ) $(BUILD)/libleadgen.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Fuzz targets built with a replay driver so every test run exercises the corpus.
$(BUILD)/fuzz/%: tests/fuzz/%.c tests/fuzz/replay.c $(BUILD)/libleadgen.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< tests/fuzz/replay.c $(BUILD)/libleadgen.a $(LDLIBS)

unit: $(BUILD)/unit_tests $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)

# FORTIFY is off under ASan: both intercept the same libc calls.
asan:
	$(MAKE) BUILD=build/asan WERROR=$(WERROR) FORTIFY= OPT="-O1 -g -fno-omit-frame-pointer" \
	  SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined" all unit

# libFuzzer builds (clang); run one with e.g. build/libfuzzer/fuzz_json -max_total_time=60 tests/fuzz/corpus/json
fuzz:
	$(MAKE) BUILD=build/libfuzzer CC=clang WERROR=$(WERROR) FORTIFY= OPT="-O1 -g" \
	  SAN="-fsanitize=fuzzer-no-link,address,undefined" build/libfuzzer/libleadgen.a
	@mkdir -p build/libfuzzer
	for f in $(FUZZ_SRC); do n=$$(basename $$f .c); \
	  clang -O1 -g $(WARN) -D_GNU_SOURCE -Isrc -Ibuild/libfuzzer/gen -fsanitize=fuzzer,address,undefined \
	    -o build/libfuzzer/$$n $$f build/libfuzzer/libleadgen.a $(LDLIBS) || exit 1; done

# Random fuzzing (not part of `make test`): each target for FUZZ_SECONDS (see
# scripts/fuzz-long.sh), new inputs merged into tests/fuzz/corpus/.
fuzz-long: setup fuzz
	scripts/fuzz-long.sh

run: setup all
	scripts/run.sh

test: setup
	scripts/test.sh

bench: setup all
	bench/run.sh

# The SERP parser benchmark (bench/bench_serp.c, docs/BENCHMARKS.md).
.PHONY: bench-serp
$(BUILD)/bench_serp: bench/bench_serp.c $(BUILD)/libleadgen.a
	$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libleadgen.a $(LDLIBS)

bench-serp: $(BUILD)/bench_serp
	$(BUILD)/bench_serp

# Cached search.php over HTTP against projects.php (bench/search_cached.sh; needs wrk).
.PHONY: bench-search
bench-search: all
	LEADGEN_BIN=$(BUILD)/leadgen bench/search_cached.sh

# Tools bench/run.sh builds (`make bench-tools`): the extraction-throughput driver.
.PHONY: bench-tools
$(BUILD)/bench/extract_bench: bench/extract_bench.c $(BUILD)/libleadgen.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libleadgen.a $(LDLIBS)

# The campaign claim-throughput driver (bench/multinode_bench.py).
$(BUILD)/bench/claim_bench: bench/claim_bench.c $(BUILD)/libleadgen.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libleadgen.a $(LDLIBS)

bench-tools: $(BUILD)/bench/extract_bench $(BUILD)/bench/claim_bench

format:
	clang-format -i $$(find src tests tools bench -name '*.[ch]')

compdb:
	bear -- $(MAKE) -B all unit

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
