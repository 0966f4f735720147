# The Raft lab kit: the one entry point.
#
#   make                  build everything into build/
#   make test             build and run every test (SAN=thread or SAN=address
#                         to run them under ThreadSanitizer or AddressSanitizer
#                         with UndefinedBehaviorSanitizer)
#   make bench            build optimised and run the benchmarks
#   make format           reformat the sources with clang-format
#   make clean            remove build/
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

WARN := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wformat=2
INCLUDES := -Ilabs/runtime -Ilabs/chan -Ilabs/codec -Ilabs/labrpc \
	    -Ilabs/persister
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

RUNTIME_OBJS := $(RUNTIME_SRCS:%.c=$(B)/%.o)
LIB_OBJS := $(LIB_SRCS:%.c=$(B)/%.o)
SELFTEST_OBJS := $(SELFTEST_SRCS:%.c=$(B)/%.o)
BENCH_OBJS := $(BENCH_SRCS:%.c=$(B)/%.o)

SELFTEST := $(B)/selftest
BENCH := $(B)/bench_labrpc

# Every object but the runtime's must leave threads, sleeping, clocks and
# randomness to the runtime; labs/scripts/rawcalls.sh checks their symbols.
CHECKED_OBJS := $(LIB_OBJS) $(SELFTEST_OBJS) $(BENCH_OBJS)

# Sanitizer settings for test runs: stop at the first report, and fail.
export TSAN_OPTIONS ?= halt_on_error=1 second_deadlock_stack=1
export ASAN_OPTIONS ?= detect_leaks=1 abort_on_error=0
export UBSAN_OPTIONS ?= print_stacktrace=1 halt_on_error=1

.PHONY: all test bench format clean deps
.DEFAULT_GOAL := all

all: $(SELFTEST) $(BENCH)

deps:
	@sh labs/scripts/deps.sh

test: all
	@sh labs/scripts/rawcalls.sh $(CHECKED_OBJS)
	@$(SELFTEST)

bench: $(BENCH)
ifneq ($(SAN),)
	@echo "note: benchmarks under SAN=$(SAN) measure the sanitizer, not the kit"
endif
	@$(BENCH)

$(SELFTEST): $(RUNTIME_OBJS) $(LIB_OBJS) $(SELFTEST_OBJS)
	$(CC) -o $@ $^ $(LDFLAGS) $(CHECK_LIBS)

$(BENCH): $(RUNTIME_OBJS) $(LIB_OBJS) $(BENCH_OBJS)
	$(CC) -o $@ $^ $(LDFLAGS)

$(B)/labs/selftest/%.o: labs/selftest/%.c | deps
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(CHECK_CFLAGS) -c -o $@ $<

$(B)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c -o $@ $<

FORMAT_SRCS = $(shell find labs skeleton solution grader -name '*.[ch]' 2>/dev/null)

format:
	clang-format -i $(FORMAT_SRCS)

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
