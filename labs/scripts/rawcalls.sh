#!/bin/sh
# Fails if any object file given calls threads, sleeping, clocks or
# randomness directly instead of through the lab runtime (labs/runtime).
# Usage: rawcalls.sh OBJECT...
set -eu

# C11 threads (thrd_, mtx_, cnd_, tss_) count as threads too.
pattern='^(pthread_[a-z_]*|thrd_[a-z_]*|mtx_[a-z_]*|cnd_[a-z_]*|tss_[a-z_]*|sleep|usleep|nanosleep|clock_nanosleep|pause|clock_gettime|clock|time|gettimeofday|timespec_get|ftime|rand|rand_r|random|random_r|srand|srandom|[delmnj]rand48|[ens]rand48|[delmnj]rand48_r|getrandom|arc4random[a-z_]*|sched_yield)$'

status=0
for obj in "$@"; do
	for sym in $(nm -u "$obj" | awk '{ print $NF }' | sed 's/@.*//'); do
		printf '%s\n' "$sym" | grep -Eq "$pattern" || continue
		case $sym in
		pthread_* | thrd_* | mtx_* | cnd_* | tss_*)
			use="lab_thread_*, lab_mutex_* and lab_cond_*" ;;
		*sleep) use="lab_sleep_ms" ;;
		*time* | gettimeofday) use="lab_now_ms" ;;
		sched_yield) use="a condition variable (lab_cond_wait)" ;;
		*) use="lab_rand_int or lab_rand_u64" ;;
		esac
		src=${obj#build/*/}
		echo "error: ${src%.o}.c calls $sym() directly; use $use from" \
			"labs/runtime/runtime.h instead" >&2
		status=1
	done
done
exit $status
