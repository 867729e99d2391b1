# leadgen build. `make` builds build/leadgen; `make test` sets up, builds and
# runs every suite; `make asan` builds the sanitizer variant in build/asan.
BUILD   ?= build
CC      ?= cc
PKGS    := libmicrohttpd sqlite3 libpq jansson libsodium libcurl libpsl libcares libidn2
WARN    := -std=c17 -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wstrict-prototypes \
           -Wmissing-prototypes -Wformat=2 -Wvla -Werror
OPT     ?= -O2 -g
SAN     ?=
CFLAGS  := $(OPT) $(WARN) $(SAN) -D_GNU_SOURCE -Isrc -I$(BUILD)/gen \
           $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# libcurl is loaded with dlopen on first use (src/net/curl_api.h): headers only, no -lcurl
LDLIBS  := $(filter-out -lcurl,$(shell pkg-config --libs $(PKGS) 2>/dev/null)) -lunistring -ldl -lpthread -lm
LDFLAGS := $(SAN)

LIB_SRC  := $(filter-out $(LIB_EXCLUDE),$(sort $(shell find src -name '*.c' ! -name main.c)))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/embedded.o
UNIT_SRC := $(filter-out $(LIB_EXCLUDE),$(sort $(wildcard tests/unit/*.c)))
UNIT_OBJ := $(UNIT_SRC:%.c=$(BUILD)/obj/%.o)
FUZZ_SRC := $(filter-out $(LIB_EXCLUDE),$(sort $(wildcard tests/fuzz/fuzz_*.c)))
MIGRATIONS := $(sort $(wildcard src/store/migrations/*/*.sql))
# Email-verification lists (make update-lists refreshes them from the npm registry)
VERIFY_LISTS := data/verify-disposable.txt data/verify-free.txt data/verify-role.txt

.PHONY: all run test asan unit fuzz bench format clean setup compdb update-lists
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
	$(CC) $(OPT) $(SAN) -c $< -o $@

$(BUILD)/libleadgen.a: $(LIB_OBJ)
	ar rcs $@ $^

$(BUILD)/leadgen: $(BUILD)/obj/src/main.o $(BUILD)/libleadgen.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/unit_tests: $(UNIT_OBJ) $(BUILD)/libleadgen.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Fuzz targets built with a replay driver so every test run exercises the corpus.
$(BUILD)/fuzz/%: tests/fuzz/%.c tests/fuzz/replay.c $(BUILD)/libleadgen.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< tests/fuzz/replay.c $(BUILD)/libleadgen.a $(LDLIBS)

unit: $(BUILD)/unit_tests $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)

asan:
	$(MAKE) BUILD=build/asan OPT="-O1 -g -fno-omit-frame-pointer" \
	  SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined" all unit

# libFuzzer builds (clang); run one with e.g. build/libfuzzer/fuzz_json -max_total_time=60 tests/fuzz/corpus/json
fuzz:
	$(MAKE) BUILD=build/libfuzzer CC=clang OPT="-O1 -g" SAN="-fsanitize=fuzzer-no-link,address,undefined" build/libfuzzer/libleadgen.a
	@mkdir -p build/libfuzzer
	for f in $(FUZZ_SRC); do n=$$(basename $$f .c); \
	  clang -O1 -g -D_GNU_SOURCE -Isrc -Ibuild/libfuzzer/gen -fsanitize=fuzzer,address,undefined \
	    -o build/libfuzzer/$$n $$f build/libfuzzer/libleadgen.a $(LDLIBS) || exit 1; done

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

bench-tools: $(BUILD)/bench/extract_bench

format:
	clang-format -i $$(find src tests tools bench -name '*.[ch]')

compdb:
	bear -- $(MAKE) -B all unit

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
