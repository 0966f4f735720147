#!/bin/sh
# Fails if any object file given calls threads, sleeping, clocks or
# randomness directly instead of through the lab runtime (labs/runtime).
# Usage: rawcalls.sh OBJECT...
set -eu

# C11 threads (thrd_, mtx_, cnd_, tss_) count as threads too.
pattern='^(pthread_[a-z_]*|thrd_[a-z_]*|mtx_[a-z_]*|cnd_[a-z_]*|sleep|usleep|nanosleep|clock_nanosleep|clock_gettime|time|gettimeofday|timespec_get|rand|rand_r|random|srand|srandom|drand48|lrand48|mrand48|sched_yield)$'

status=0
for obj in "$@"; do
	for sym in $(nm -u "$obj" | awk '{ print $NF }' | sed 's/@.*//'); do
		if printf '%s\n' "$sym" | grep -Eq "$pattern"; then
			src=${obj#build/*/}
			echo "error: ${src%.o}.c calls $sym() directly; use the lab runtime" \
				"(labs/runtime/runtime.h) instead" >&2
			status=1
		fi
	done
done
exit $status
