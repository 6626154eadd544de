# tensim — build, test, bench, install.
# Honours CC, CFLAGS, LDFLAGS, PREFIX, DESTDIR and V=1 (echo commands).
# Everything but the command-line front end (cli/) goes into
# one static library that the binary, the tests and the benchmarks link.

CC      ?= cc
PREFIX  ?= /usr/local
BUILD   ?= build
CFLAGS  ?= -O2 -g
# make MPI=1: the same program built with Open MPI (mpicc) into build/mpi,
# where `mpirun -n R build/mpi/tensim sweep ...` spreads a study over R
# ranks. The default build needs no MPI.
ifeq ($(MPI),1)
CC      := mpicc
BUILD   := build/mpi
MPI_CF  := -DTN_MPI
endif
PKGS     = igraph gsl jansson libxml-2.0
WARN     = -std=c11 -Wall -Wextra -Werror -D_POSIX_C_SOURCE=200809L
INC      = -I. $(shell pkg-config --cflags $(PKGS))
LIBS     = $(shell pkg-config --libs $(PKGS)) -lm
CHECK_CF = $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LB = $(shell pkg-config --libs check 2>/dev/null)
ALL_CF   = $(WARN) $(INC) $(MPI_CF) $(CFLAGS) -MMD -MP

ifeq ($(V),1)
Q :=
else
Q := @
endif
# Targets that set up first, then build: the inner make stays quiet about
# goals that are already up to date, unless V=1.
SUBMAKE = $(MAKE) --no-print-directory $(if $(Q),-s)

CLI_SRC  = $(wildcard cli/*.c)
LIB_SRC  = $(wildcard common/*.c topology/*.c workloads/*.c sim/*/*.c goodput/*.c energy/*.c plan/*.c study/*.c results/*.c)
TEST_SRC = $(wildcard tests/*.c)
VAL_OBJ  = $(BUILD)/validate/cases.o $(BUILD)/validate/megatron.o $(BUILD)/validate/goodput.o
BENCH_SRC= $(wildcard bench/*.c)

# Presets, server types, models and the GPU, collective, failure and power
# data are compiled in: the binary reads none of these files at run time.
PRESETS  = $(sort $(wildcard topology/presets/*.json))
SERVERS  = $(sort $(wildcard topology/servers/*.json))
SIMDATA  = $(sort $(wildcard sim/coll/data/*.json))
WLDATA   = $(sort $(wildcard workloads/data/*.json))
MODELS   = $(sort $(wildcard workloads/models/*.json))
GPDATA   = $(sort $(wildcard goodput/data/*.json))
ENDATA   = $(sort $(wildcard energy/data/*.json))
# The shipped scenarios are the data the binary looks for at run time, by
# name (`tensim run skeleton-8gpu`, cli/datadir.c): in the source tree, or
# in DATADIR, compiled in, where `make install` copies them with the data
# above and the docs, each file at its path in the source tree.
SCENARIOS= $(sort $(wildcard workloads/scenarios/*.json))
DOCS     = README.md $(sort $(wildcard docs/*.md)) docs/tensim.1
DATADIR  = $(PREFIX)/share/tensim
DATA_FILES = $(PRESETS) $(SERVERS) $(SIMDATA) $(WLDATA) $(MODELS) $(GPDATA) $(ENDATA) \
           $(SCENARIOS) $(DOCS)
GEN_OBJ  = $(BUILD)/gen/presets.o $(BUILD)/gen/servers.o $(BUILD)/gen/simdata.o $(BUILD)/gen/wldata.o \
           $(BUILD)/gen/models.o $(BUILD)/gen/gpdata.o $(BUILD)/gen/endata.o

LIB_OBJ  = $(LIB_SRC:%.c=$(BUILD)/%.o) $(GEN_OBJ)
CLI_OBJ  = $(CLI_SRC:%.c=$(BUILD)/%.o)
TEST_OBJ = $(TEST_SRC:%.c=$(BUILD)/%.o)
BENCH_BIN= $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)

LIB      = $(BUILD)/libtensim.a
BIN      = $(BUILD)/tensim
TESTBIN  = $(BUILD)/tests/check_all
VALBIN   = $(BUILD)/validate/validate
SGBIN    = $(BUILD)/validate/simgrid

.PHONY: all check test golden bench validate sanitize fuzz fuzz-build demo install uninstall clean deps browser-test
all: $(BIN)

deps:
	$(Q)scripts/install-deps.sh

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CF) -c $< -o $@

$(BUILD)/cli/datadir.o: ALL_CF += -DTENSIM_DATADIR='"$(DATADIR)"'

$(BUILD)/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CF) $(CHECK_CF) -c $< -o $@

$(BUILD)/gen/presets.c: $(PRESETS) scripts/embed.sh
	@mkdir -p $(dir $@)
	$(Q)scripts/embed.sh topo_embedded_presets $(PRESETS) > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/servers.c: $(SERVERS) scripts/embed.sh
	@mkdir -p $(dir $@)
	$(Q)scripts/embed.sh topo_embedded_servers $(SERVERS) > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/simdata.c: $(SIMDATA) scripts/embed.sh
	@mkdir -p $(dir $@)
	$(Q)scripts/embed.sh sim_embedded_data $(SIMDATA) > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/wldata.c: $(WLDATA) scripts/embed.sh
	@mkdir -p $(dir $@)
	$(Q)scripts/embed.sh wl_embedded_data $(WLDATA) > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/models.c: $(MODELS) scripts/embed.sh
	@mkdir -p $(dir $@)
	$(Q)scripts/embed.sh wl_embedded_models $(MODELS) > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/gpdata.c: $(GPDATA) scripts/embed.sh
	@mkdir -p $(dir $@)
	$(Q)scripts/embed.sh gp_embedded_data $(GPDATA) > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/endata.c: $(ENDATA) scripts/embed.sh
	@mkdir -p $(dir $@)
	$(Q)scripts/embed.sh en_embedded_data $(ENDATA) > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/%.o: $(BUILD)/gen/%.c
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CF) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(BIN): $(CLI_OBJ) $(LIB)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(CLI_OBJ) $(LIB) $(LIBS)

$(TESTBIN): $(TEST_OBJ) $(VAL_OBJ) $(LIB)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(TEST_OBJ) $(VAL_OBJ) $(LIB) $(CHECK_LB) $(LIBS)

# The comparison with SimGrid links SimGrid (a test-only dependency).
$(SGBIN): validate/simgrid.c $(LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CF) $(shell pkg-config --cflags simgrid) $(LDFLAGS) -o $@ $< $(LIB) \
	    $(shell pkg-config --libs simgrid) $(LIBS)

$(VALBIN): $(BUILD)/validate/main.o $(VAL_OBJ) $(LIB)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(BUILD)/validate/main.o $(VAL_OBJ) $(LIB) $(LIBS)

$(BUILD)/bench/%: bench/%.c $(LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CF) $(LDFLAGS) -o $@ $< $(LIB) $(LIBS)

# The tests run the real binary too (exit codes, error lines, no partial
# output), so both are built first. TENSIM_BIN tells the tests where it is.
check test: deps
	$(Q)$(SUBMAKE) $(BIN) $(TESTBIN) $(SGBIN)
	$(Q)$(SUBMAKE) MPI=1 build/mpi/tensim
	$(Q)TENSIM_BIN=$(BIN) TENSIM_SIMGRID_BIN=$(SGBIN) TENSIM_MPI_BIN=build/mpi/tensim $(TESTBIN)

# Rewrites the golden files (tests/golden/: report.md, report.html,
# study.md, compare.md) from the current binary; review the diff before
# committing it (tests/check_golden.c says what is normalised).
golden: deps
	$(Q)$(SUBMAKE) $(BIN) $(TESTBIN)
	$(Q)TENSIM_BIN=$(BIN) TENSIM_GOLDEN_UPDATE=1 CK_RUN_SUITE=golden $(TESTBIN)

bench: deps
	$(Q)$(SUBMAKE) $(BIN) $(BENCH_BIN)
	$(Q)for b in $(BENCH_BIN); do $$b || exit 1; done

# tensim against published results (validate/validate.h): the tables as
# Markdown on stdout, out/validation/validation.{json,md}; fails when a row
# leaves its bound; then the flow model against SimGrid on up to 10,000
# flows. About 8 minutes (the Megatron rows run five times over; SimGrid
# takes 4 minutes on the 10,000-flow sets).
validate: deps
	$(Q)$(SUBMAKE) $(VALBIN) $(SGBIN)
	$(Q)$(VALBIN) -o out/validation
	$(Q)$(SGBIN) -o out/validation/simgrid.json

# The whole test suite under AddressSanitizer and UndefinedBehaviorSanitizer,
# in a build tree of its own. Check runs each test in a child process; ASan
# reports from a child fail that test.
SAN_FLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
sanitize: deps
	$(Q)$(SUBMAKE) BUILD=$(BUILD)/san CFLAGS="$(SAN_FLAGS)" \
	    LDFLAGS="$(SAN_FLAGS)" $(BUILD)/san/tensim $(BUILD)/san/tests/check_all
	$(Q)$(SUBMAKE) $(SGBIN)
	$(Q)$(SUBMAKE) MPI=1 build/mpi/tensim
	$(Q)ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	    TENSIM_BIN=$(BUILD)/san/tensim TENSIM_SIMGRID_BIN=$(SGBIN) \
	    TENSIM_MPI_BIN=build/mpi/tensim $(BUILD)/san/tests/check_all

# libFuzzer harnesses, one per reader (fuzz/, docs/fuzzing.md): the library
# and fuzz/fuzz_*.c built by clang with coverage, ASan and UBSan in a build
# tree of their own; each harness first replays fuzz/regressions/NAME/,
# then fuzzes for FUZZ_SECONDS from the seeds fuzz/seeds.sh gathers (tests/data,
# the shipped scenarios and presets, fuzz/seeds/) and the corpus it grew
# before (build/fuzz/corpus/NAME). A crash, a sanitizer report, a leak or an
# input slower than 10 s stops it with the input in build/fuzz/artifacts/.
# Not part of make check: it needs clang (scripts/install-deps.sh fuzz). Clang
# warns of positional initializers that leave the last fields zero (the
# tables of sim/coll do so on purpose); gcc, the build of record, does not.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_CF   = -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined \
            -fno-sanitize-recover=all -Wno-missing-field-initializers
FUZZ_LF   = -fsanitize=fuzzer,address,undefined
FUZZ_SRC  = $(sort $(wildcard fuzz/fuzz_*.c))
FUZZ_NAMES= $(FUZZ_SRC:fuzz/fuzz_%.c=%)
FUZZ_BIN  = $(FUZZ_NAMES:%=$(BUILD)/fuzz/fuzz_%)
FUZZ_OPTS = -timeout=10 -detect_leaks=1 -rss_limit_mb=4096 -print_final_stats=1

$(FUZZ_BIN): $(BUILD)/fuzz/fuzz_%: $(BUILD)/fuzz/fuzz_%.o $(LIB)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LIBS)

fuzz-build:
	$(Q)scripts/install-deps.sh fuzz
	$(Q)$(SUBMAKE) BUILD=$(BUILD)/fuzz CC=$(FUZZ_CC) CFLAGS="$(FUZZ_CF)" LDFLAGS="$(FUZZ_LF)" \
	    $(FUZZ_NAMES:%=$(BUILD)/fuzz/fuzz/fuzz_%)

fuzz: fuzz-build
	$(Q)fuzz/seeds.sh $(BUILD)/fuzz/seeds
	$(Q)for n in $(FUZZ_NAMES); do \
	    b=$(BUILD)/fuzz/fuzz/fuzz_$$n; \
	    mkdir -p $(BUILD)/fuzz/corpus/$$n $(BUILD)/fuzz/artifacts || exit 1; \
	    if [ -d fuzz/regressions/$$n ] && [ -n "$$(ls fuzz/regressions/$$n)" ]; then \
	        echo "  REPLAY  fuzz/regressions/$$n"; \
	        $$b $(FUZZ_OPTS) fuzz/regressions/$$n/* >$(BUILD)/fuzz/$$n.replay.log 2>&1 || \
	            { tail -40 $(BUILD)/fuzz/$$n.replay.log; exit 1; }; \
	    fi; \
	    echo "  FUZZ    $$n ($(FUZZ_SECONDS) s)"; \
	    $$b $(FUZZ_OPTS) -max_total_time=$(FUZZ_SECONDS) \
	        -artifact_prefix=$(BUILD)/fuzz/artifacts/$$n- \
	        $(BUILD)/fuzz/corpus/$$n $(BUILD)/fuzz/seeds/$$n >$(BUILD)/fuzz/$$n.log 2>&1 || \
	        { tail -60 $(BUILD)/fuzz/$$n.log; exit 1; }; \
	    grep -h '^stat::number_of_executed_units\|^stat::peak_rss_mb' $(BUILD)/fuzz/$$n.log; \
	done

# tensim's HTML pages rendered in headless Chromium (tests/browser/): no
# console error, no request but the page itself, every chart's SVG drawn at
# a nonzero size; then copies broken on purpose must each fail. Needs
# chromium and python3 (scripts/install-deps.sh). About 20 s.
browser-test: deps
	$(Q)$(SUBMAKE) $(BIN)
	$(Q)tests/browser/run.sh $(BIN)

demo: deps
	$(Q)$(SUBMAKE) $(BIN)
	$(Q)scripts/demo.sh $(BIN)

# The binary, the man page, and DATA_FILES under DATADIR. The binary is
# whatever $(BIN) holds: built with another PREFIX, it still finds its
# scenarios beside itself (../share/tensim), so `make install PREFIX=...`
# after a build recompiles nothing.
install: $(BIN)
	$(Q)install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	$(Q)install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/tensim
	$(Q)install -m 644 docs/tensim.1 $(DESTDIR)$(PREFIX)/share/man/man1/tensim.1
	$(Q)for f in $(DATA_FILES); do \
	    install -D -m 644 $$f $(DESTDIR)$(DATADIR)/$$f || exit 1; \
	done

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/tensim $(DESTDIR)$(PREFIX)/share/man/man1/tensim.1
	rm -rf $(DESTDIR)$(DATADIR)

clean:
	rm -rf $(BUILD)

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(FUZZ_BIN:=.d) $(TEST_OBJ:.o=.d) $(VAL_OBJ:.o=.d) $(BUILD)/validate/main.d \
         $(BUILD)/validate/simgrid.d $(BENCH_BIN:=.d)
