# The Raft lab kit: the one entry point.
#
#   make                  build everything into build/
#   make test             build and run every test: the framework's own tests,
#                         then every lab's suite against a Raft implementation
#   make bench            build optimised and run the benchmarks
#   make grade            grade an implementation: every test RUNS times,
#                         under limits, beside the reference's figures
#                         (docs/grading.md)
#   make baseline         write the reference's figures to
#                         grader/baseline.tsv, for handouts
#   make handout HANDOUT=dir   write the student distribution to dir
#   make format           reformat the sources with clang-format
#   make clean            remove build/
#
# Variables:
#   IMPL=dir      the directory holding the Raft implementation to test (all
#                 its .c files are compiled): solution (the default, where it
#                 exists), skeleton, or your own
#   LAB=name      run one lab's suite only: election, replication,
#                 persistence or snapshots
#                 (default: all, which also runs the framework's tests)
#   CASE=name     run one test only, e.g. CASE=test_initial_election
#   SAN=thread    build and run under ThreadSanitizer; SAN=address for
#                 AddressSanitizer with UndefinedBehaviorSanitizer
#   For make grade (IMPL defaults to skeleton there): RUNS=N runs of each
#   test, JOBS=N at a time, OUT=dir for the reports, SUBMISSIONS=dir to
#   grade every sub-folder, ALLOW=names to permit refused symbols,
#   REF_RUNS=N runs of the reference, TIME_SCALE=x to scale time limits.
#
# Targets that need the Check unit-test library install it first when it is
# missing (see labs/scripts/deps.sh).

SAN ?=
CC ?= cc

ifeq ($(SAN),)
SANFLAGS :=
OPT := -O2
else ifeq ($(SAN),thread)
SANFLAGS := -fsanitize=thread
OPT := -O1
else ifeq ($(SAN),address)
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	    -fno-omit-frame-pointer
OPT := -O1
else
$(error SAN must be empty, "thread" or "address", not "$(SAN)")
endif

# Sanitizer builds go to their own folder so they never mix with plain ones.
B := build/lab$(if $(SAN),-$(SAN))

# make grade grades the skeleton unless told otherwise.
GRADE_IMPL := $(if $(filter command line environment,$(origin IMPL)),$(IMPL),skeleton)

# The Raft implementation under test, built into a folder of its own.
IMPL ?= $(if $(wildcard solution/*.c),solution,skeleton)
IMPL_DIR := $(patsubst %/,%,$(IMPL))
IMPL_NAME := $(notdir $(abspath $(IMPL_DIR)))
# A copy of a kit file (tester.c, main.c, ...) in IMPL is not compiled:
# the tests always run with the kit's own.
KIT_NAMES := $(notdir $(wildcard labs/*/*.c))
IMPL_IGNORED := $(wildcard $(addprefix $(IMPL_DIR)/,$(KIT_NAMES)))
IMPL_SRCS := $(filter-out $(IMPL_IGNORED),$(wildcard $(IMPL_DIR)/*.c))
# IMPL_BUILD overrides the folder (the grader gives each submission its own).
IB := $(or $(IMPL_BUILD),build/$(IMPL_NAME)$(if $(SAN),-$(SAN)))
IMPL_OBJS := $(IMPL_SRCS:$(IMPL_DIR)/%.c=$(IB)/%.o)
LAB ?= all

WARN := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wformat=2
# What a Raft implementation may include; the tests also see the tester.
INCLUDES := -Ilabs/runtime -Ilabs/chan -Ilabs/codec -Ilabs/labrpc \
	    -Ilabs/persister -Ilabs/raft
CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L $(OPT) -g $(WARN) $(SANFLAGS) \
	  $(INCLUDES) -MMD -MP
LDFLAGS := $(SANFLAGS) -pthread

# Evaluated only when a recipe runs, after deps.sh has installed Check.
CHECK_CFLAGS = $(shell pkg-config --cflags check)
CHECK_LIBS = $(shell pkg-config --libs check)

RUNTIME_SRCS := labs/runtime/runtime.c
LIB_SRCS := labs/chan/chan.c labs/codec/codec.c labs/labrpc/labrpc.c \
	    labs/persister/persister.c
SELFTEST_SRCS := $(wildcard labs/selftest/*.c)
BENCH_SRCS := labs/bench/bench_labrpc.c
LABTEST_SRCS := labs/tester/tester.c $(wildcard labs/tests/*.c)

RUNTIME_OBJS := $(RUNTIME_SRCS:%.c=$(B)/%.o)
LIB_OBJS := $(LIB_SRCS:%.c=$(B)/%.o)
SELFTEST_OBJS := $(SELFTEST_SRCS:%.c=$(B)/%.o)
BENCH_OBJS := $(BENCH_SRCS:%.c=$(B)/%.o)
LABTEST_OBJS := $(LABTEST_SRCS:%.c=$(B)/%.o)

SELFTEST := $(B)/selftest
BENCH := $(B)/bench_labrpc
LABTESTS := $(IB)/raft_tests

# Every object but the runtime's must leave threads, sleeping, clocks and
# randomness to the runtime; labs/scripts/rawcalls.sh checks their symbols.
CHECKED_OBJS := $(LIB_OBJS) $(SELFTEST_OBJS) $(BENCH_OBJS) $(LABTEST_OBJS) \
		$(IMPL_OBJS)

# Sanitizer settings for test runs: stop at the first report, and fail.
export TSAN_OPTIONS ?= halt_on_error=1 second_deadlock_stack=1
export ASAN_OPTIONS ?= detect_leaks=1 abort_on_error=0
export UBSAN_OPTIONS ?= print_stacktrace=1 halt_on_error=1

.PHONY: all test bench format clean deps grade baseline handout
.DEFAULT_GOAL := all

all: $(SELFTEST) $(BENCH) $(LABTESTS)

deps:
	@sh labs/scripts/deps.sh

ifneq ($(CASE),)
export CK_RUN_CASE := $(CASE)
endif

test: all
	@sh labs/scripts/rawcalls.sh $(CHECKED_OBJS)
ifeq ($(LAB),all)
	@$(SELFTEST)
endif
	@echo "Testing the Raft in $(IMPL_DIR)/"
	@$(LABTESTS) $(LAB)
# The grader's own tests (instructors' copy only), with the plain build.
ifeq ($(LAB)$(SAN),all)
	@if [ -f grader/tests/run.sh ]; then sh grader/tests/run.sh; fi
endif

# ---- the grader (docs/grading.md) --------------------------------------------

GRADER := build/grader/grade
RUNS ?= 1
JOBS ?= 1
OUT ?= grade-report
REF_RUNS ?= 1
TIME_SCALE ?= 1
BASELINE := grader/baseline.tsv
# The reference's figures come from running solution/ when it is here,
# else from the baseline file the handout ships.
REFERENCE_ARGS := $(if $(wildcard solution/*.c),--reference solution \
	--ref-runs $(REF_RUNS),--baseline $(BASELINE))
GRADE_ARGS = --lab $(LAB) --runs $(RUNS) --jobs $(JOBS) --test "$(CASE)" \
	--allow "$(ALLOW)" --manifest grader/manifest --time-scale $(TIME_SCALE)

$(GRADER): grader/grade.c
	@mkdir -p $(@D)
	$(CC) -std=c11 -O2 -g $(WARN) -o $@ $<

grade: $(GRADER) | deps
	@$(GRADER) --impl $(GRADE_IMPL) --out $(OUT) $(GRADE_ARGS) \
		$(if $(SUBMISSIONS),--batch $(SUBMISSIONS)) $(REFERENCE_ARGS)

baseline: $(GRADER) | deps
	@test -n "$(wildcard solution/*.c)" || \
		{ echo "make baseline needs the reference in solution/" >&2; exit 2; }
	@$(GRADER) --impl solution --out build/baseline-report $(GRADE_ARGS) \
		--lab all --write-baseline $(BASELINE)

handout:
	@sh grader/handout.sh "$(HANDOUT)"

bench: $(BENCH)
ifneq ($(SAN),)
	@echo "note: benchmarks under SAN=$(SAN) measure the sanitizer, not the kit"
endif
	@$(BENCH)

$(SELFTEST): $(RUNTIME_OBJS) $(LIB_OBJS) $(SELFTEST_OBJS)
	$(CC) -o $@ $^ $(LDFLAGS) $(CHECK_LIBS)

$(BENCH): $(RUNTIME_OBJS) $(LIB_OBJS) $(BENCH_OBJS)
	$(CC) -o $@ $^ $(LDFLAGS)

$(LABTESTS): $(RUNTIME_OBJS) $(LIB_OBJS) $(LABTEST_OBJS) $(IMPL_OBJS) \
		| impl-check
	$(CC) -o $@ $^ $(LDFLAGS) $(CHECK_LIBS)

# A student's implementation: every .c file in IMPL, against labs/ only.
$(IB)/%.o: $(IMPL_DIR)/%.c | impl-check
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -I$(IMPL_DIR) -c -o $@ $<

.PHONY: impl-check
impl-check:
	@for f in $(IMPL_IGNORED); do \
		echo "note: $$f is not compiled: the kit's own copy is used" >&2; \
	done
	@if [ -z "$(IMPL_SRCS)" ]; then \
		echo "error: IMPL=$(IMPL): no .c files in $(IMPL_DIR); IMPL" \
			"names the directory that holds your Raft" \
			"(for example IMPL=skeleton)" >&2; \
		exit 2; \
	fi

# Test code includes check.h: Check must be installed first.
$(B)/labs/selftest/%.o: labs/selftest/%.c | deps
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(CHECK_CFLAGS) -c -o $@ $<

$(B)/labs/tests/%.o: labs/tests/%.c | deps
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(CHECK_CFLAGS) -Ilabs/tester -c -o $@ $<

$(B)/labs/tester/%.o: labs/tester/%.c | deps
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(CHECK_CFLAGS) -Ilabs/tester -c -o $@ $<

$(B)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c -o $@ $<

FORMAT_SRCS = $(shell find labs skeleton solution grader -name '*.[ch]' 2>/dev/null)

format:
	clang-format -i $(FORMAT_SRCS)

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
