#!/bin/sh
# The grader's own tests: grades each hostile submission of
# grader/tests/hostile/ and checks that the grader gives it 0 points for
# the right reason, kills everything it started, and keeps its reports its
# own. Then, when the reference is here (solution/*.c), checks partial
# credit on a copy of it sabotaged to fail exactly one test.
#
#   sh grader/tests/run.sh      from the project root
#
# A hostile submission is the skeleton plus one small file: this script
# appends grader/tests/hostile/NAME.c (whose comment says what it does and
# what grade it must get) to a copy of skeleton/raft.c. Each raft_*
# function NAME.c defines replaces the skeleton's, which stays in the file
# as the static function skeleton_raft_* for it to call.
#
# Prints one line per check, "ok   <case>: <reason> (<seconds> s)" or
# "FAIL <case>: expected <what>, got <what>", and a summary; exits 1 if a
# check failed. Runs as root (CI: the grader then runs each run as a user
# of its own) or as a normal user; read_secret runs only as root.
# SKIP_FORK_BOMB=1 skips the fork bomb's run with fork allowed, which
# saturates a small machine for the 8 s its grading takes.
#
# Most cases are graded on election's test_initial_election, one run, at
# --time-scale 0.1: Check's timeout for a test is then 12 s and the
# grader's wall-clock limit 15 s. Exceptions, each explained below:
# kill_hangs (0.2), eat_memory (0.3), stop_runner and fork_bomb (0.05),
# inherited_fds (a batch) and partial credit (all of election, at 1).
#
# Besides the cases of the brief, a few probe what a submission can do
# without calling a forbidden function: constructor (code before main),
# replace_prctl (its own prctl, the C library's, in the runner too),
# replace_check (Check's functions, which the linker then leaves out),
# include_device (a build that reads /dev/zero),
# exit_syscall (inline assembly),
# forge_result (glibc's other names for fork, setpgid and fopen),
# stop_runner (sigqueue), inherited_fds (descriptors the grader leaves
# open), and read_secret (what the build, run as root, can read).
set -eu

if [ ! -f grader/grade.c ] || [ ! -d grader/tests/hostile ] ||
	[ ! -f skeleton/raft.c ]; then
	echo "run.sh: run me from the project root: sh grader/tests/run.sh" >&2
	exit 2
fi

GRADER=build/grader/grade
HOSTILE=grader/tests/hostile
MANIFEST=grader/manifest
make -s "$GRADER"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/grader-tests.XXXXXX")
SECRET_H=/tmp/raft-grader-tests.root-only.h
SECRET_MADE=no
cleanup() {
	rm -rf "$TMP"
	if [ "$SECRET_MADE" = yes ]; then rm -f "$SECRET_H"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# assemble NAME: the hostile submission NAME, in $TMP/subs/NAME.
WRAPPABLE="raft_make raft_register_rpcs raft_start raft_get_state raft_snapshot raft_kill"
assemble() {
	a_rename=""
	for f in $WRAPPABLE; do
		grep -q "^[a-z][^(]*[ *]$f(" "$HOSTILE/$1.c" || continue
		if ! grep -q "^[a-z][^(]*[ *]$f(" skeleton/raft.c; then
			echo "run.sh: $HOSTILE/$1.c replaces $f, which skeleton/raft.c does not define" >&2
			exit 2
		fi
		a_rename="$a_rename;s/^\\([a-z][^(]*[ *]\\)$f(/static __attribute__((unused)) \\1skeleton_$f(/"
	done
	mkdir -p "$TMP/subs/$1"
	{
		sed "${a_rename#;}" skeleton/raft.c
		printf '\n/* ---- %s, appended by grader/tests/run.sh ---- */\n\n' "$HOSTILE/$1.c"
		cat "$HOSTILE/$1.c"
	} >"$TMP/subs/$1/raft.c"
}
for c in "$HOSTILE"/*.c; do assemble "$(basename "$c" .c)"; done

IS_ROOT=no
if [ "$(id -u)" -eq 0 ]; then IS_ROOT=yes; fi
# This script's session: processes the grader starts stay in it (a test
# would need setsid to leave it), so leftovers are found among them.
SID=$(ps -o sid= -p $$ 2>/dev/null | tr -d ' ' || true)
if [ -z "$SID" ]; then
	echo "warning: ps cannot list this shell's session here: the checks for processes left running are off" >&2
	SID=none
fi

CHECKS=0
FAILED=0
SKIPPED=0
T_START=$(date +%s)

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
nap() { sleep 0.2 2>/dev/null || sleep 1; }

# Processes of this session that belong to a run: as root, any that is
# not root's (the grader runs the tests as other users), and test
# programs. Zombies count: the grader reaps what it started. (comm, not
# args: reading a process's command line can block on a process stuck in
# the kernel.)
run_processes() {
	[ "$SID" != none ] || return 0
	ps -eo pid=,sid=,uid=,comm= | awk -v sid="$SID" -v root="$IS_ROOT" '
		$2 == sid &&
		(root == "yes" && $3 != 0 || $4 == "raft_tests") { print $1 }'
}

# Waits up to 2 s for the runs' processes to end; if some are left, notes
# it in EXTRA and kills them, by pid.
check_leftovers() {
	i=0
	left=$(run_processes)
	while [ -n "$left" ] && [ $i -lt 10 ]; do
		nap
		left=$(run_processes)
		i=$((i + 1))
	done
	if [ -n "$left" ]; then
		n=$(echo $left | wc -w)
		EXTRA="$EXTRA; $n process(es) of the run still running after the grader finished"
		rounds=0
		while [ -n "$left" ] && [ $rounds -lt 20 ]; do
			kill -9 $left 2>/dev/null || true
			nap
			left=$(run_processes)
			rounds=$((rounds + 1))
		done
	fi
}

# Every grading here ends well within this, if the grader's limits work.
GRADE_LIMIT_S=180
LIMITER=""
if command -v timeout >/dev/null 2>&1; then
	LIMITER="timeout -k 10 $GRADE_LIMIT_S"
fi

# grade OUT ARGS...: runs the grader into OUT; sets ELAPSED and GRADER_RC.
grade() {
	g_out=$1
	shift
	g_t0=$(now)
	GRADER_RC=0
	$LIMITER "$GRADER" --out "$g_out" --manifest "$MANIFEST" "$@" \
		>"$g_out.stdout" 2>"$g_out.stderr" </dev/null || GRADER_RC=$?
	ELAPSED=$(since "$g_t0")
	if [ "$GRADER_RC" -eq 124 ] || [ "$GRADER_RC" -eq 137 ]; then
		EXTRA="$EXTRA; the grader itself ran longer than $GRADE_LIMIT_S s"
	fi
}

# grade_one NAME OUT [ARGS...]: grades hostile submission NAME on
# test_initial_election, one run, at --time-scale 0.1 unless ARGS say
# otherwise (a later --time-scale wins).
grade_one() {
	go_name=$1
	go_out=$2
	shift 2
	grade "$go_out" --impl "$TMP/subs/$go_name" --lab election \
		--test test_initial_election --runs 1 --jobs 1 \
		--time-scale 0.1 "$@"
}

# Fields of a summary.json. The top-level ones are on its first line.
top_number() { sed -n '1s/.*"'"$2"'": \([0-9.]*\).*/\1/p' "$1"; }
problem_of() {
	head -n 1 "$1" | grep -q '"problem": null' && return 0
	head -n 1 "$1" | sed -n 's/.*"problem": "\(.*\)", "overhead_seconds".*/\1/p'
}
first_failure_of() {
	sed -n 's/.*"first_failure": "\(.*\)", "failing_runs".*/\1/p' "$1" |
		head -n 1
}
# The reason a submission got its grade: the build or symbol problem, or
# the first test's first failure.
reason_of() {
	ro=$(problem_of "$1")
	if [ -z "$ro" ]; then ro=$(first_failure_of "$1"); fi
	printf '%s' "$ro"
}
excerpt() { printf '%s' "$1" | sed 's/\\n/ /g; s/  */ /g' | cut -c1-"${2:-140}"; }

pass() {
	CHECKS=$((CHECKS + 1))
	echo "ok   $1: $2 ($ELAPSED s)"
}
fail() {
	CHECKS=$((CHECKS + 1))
	FAILED=$((FAILED + 1))
	echo "FAIL $1: expected $2, got $3 ($ELAPSED s)"
}

# verdict CASE SUMMARY PATTERN: the submission must score 0.00, for a
# reason matching PATTERN (grep -E), with nothing noted in EXTRA.
verdict() {
	v_case=$1
	v_summary=$2
	v_pattern=$3
	if [ ! -f "$v_summary" ]; then
		fail "$v_case" "a summary.json" "none (grader status $GRADER_RC: $(tail -n 1 "${v_summary%/summary.json}.stderr" 2>/dev/null))"
		return 0
	fi
	v_score=$(top_number "$v_summary" score)
	v_reason=$(reason_of "$v_summary")
	if [ "$v_score" != "0.00" ]; then
		fail "$v_case" "score 0.00 (\"$v_pattern\")" "score $v_score: \"$(excerpt "$v_reason" 100)\"$EXTRA"
	elif ! printf '%s' "$v_reason" | grep -Eq -- "$v_pattern"; then
		fail "$v_case" "\"$v_pattern\"" "\"$(excerpt "$v_reason")\"$EXTRA"
	elif [ -n "$EXTRA" ]; then
		fail "$v_case" "nothing amiss" "\"$(excerpt "$v_reason" 60)\" but ${EXTRA#; }"
	else
		pass "$v_case" "$(excerpt "$v_reason")"
	fi
}

REFUSED='calls functions a Raft may not call:'
TIMEOUT='Test timeout expired|wall-clock limit'

# simple NAME PATTERN [ARGS...]: one grading, the usual checks.
simple() {
	s_name=$1
	s_pattern=$2
	shift 2
	EXTRA=""
	grade_one "$s_name" "$TMP/$s_name" "$@"
	check_leftovers
	verdict "$s_name" "$TMP/$s_name/summary.json" "$s_pattern"
}

# refused_and_allowed NAME SYMBOLS PATTERN: graded as is, it must be
# refused for the first of SYMBOLS; graded with --allow SYMBOLS, it must
# still get 0, for PATTERN.
refused_and_allowed() {
	ra_name=$1
	ra_symbols=$2
	ra_pattern=$3
	simple "$ra_name" "$REFUSED ${ra_symbols%%,*} \\(in raft\\.c\\)"
	EXTRA=""
	grade_one "$ra_name" "$TMP/$ra_name+allow" --allow "$ra_symbols"
	check_leftovers
	verdict "$ra_name --allow $ra_symbols" "$TMP/$ra_name+allow/summary.json" "$ra_pattern"
}

echo "grader tests: $(ls "$HOSTILE"/*.c | wc -l | tr -d ' ') hostile submissions, run as $(id -un 2>/dev/null | head -n 1)"

# ---- refused before anything runs --------------------------------------

simple compile_error "^compile error:.*peers_count.*undeclared"
simple include_device "^compile error:.*out of memory"

# system_call: refused, and the command never ran.
rm -f /tmp/pwned 2>/dev/null || true
EXTRA=""
grade_one system_call "$TMP/system_call"
check_leftovers
if [ -e /tmp/pwned ]; then EXTRA="$EXTRA; /tmp/pwned was written"; fi
verdict system_call "$TMP/system_call/summary.json" "$REFUSED system \\(in raft\\.c\\)"

# read_secret: the build must not read what the tests may not.
if [ "$IS_ROOT" = yes ]; then
	secret="secret-$$-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
	if (umask 077 && set -C && printf '#error "%s"\n' "$secret" >"$SECRET_H") 2>/dev/null; then
		SECRET_MADE=yes
		EXTRA=""
		grade_one read_secret "$TMP/read_secret"
		check_leftovers
		if grep -qF "$secret" "$TMP/read_secret/summary.json" \
			"$TMP/read_secret/results.json" 2>/dev/null; then
			EXTRA="$EXTRA; the build, run as root, read a file only root may read, and the report shows it"
		fi
		verdict read_secret "$TMP/read_secret/summary.json" "^compile error:.*Permission denied"
		rm -f "$SECRET_H"
		SECRET_MADE=no
	else
		SKIPPED=$((SKIPPED + 1))
		echo "skip read_secret: $SECRET_H already exists"
	fi
else
	SKIPPED=$((SKIPPED + 1))
	echo "skip read_secret: only as root (the build and the tests run as the same user otherwise)"
fi

# Code that would run in the runner, where no test is watching.
simple constructor "has a constructor or destructor, code that runs outside the tests, in raft\\.c"
EXTRA=""
grade_one replace_prctl "$TMP/replace_prctl"
check_leftovers
verdict replace_prctl "$TMP/replace_prctl/summary.json" \
	"defines names the C library or Check already has: prctl \\(in raft\\.c\\)"
EXTRA=""
grade_one replace_prctl "$TMP/replace_prctl+allow" --allow prctl
check_leftovers
verdict "replace_prctl --allow prctl" "$TMP/replace_prctl+allow/summary.json" \
	"expected one leader, got none"
simple replace_check \
	"defines names the C library or Check already has: emalloc \\(in raft\\.c\\)"

# ---- crashes -------------------------------------------------------------

simple crash_startup "signal 11"
simple crash_handler "signal 11"

# ---- leaving early, faking a pass ----------------------------------------

# Check alone counts a test process that exits with status 0 as a pass;
# the grader must not.
EARLY='Early exit|ended before the test did'
refused_and_allowed exit_in_make exit "$EARLY"
refused_and_allowed fake_pass exit "$EARLY"
# No symbol to refuse: a system call made with inline assembly (which a
# grader may refuse, if it looks at the instructions).
simple exit_syscall "$EARLY|$REFUSED|system call"

# forge_result: a process that escapes the test's process group writes a
# pass into the runner's result pipe; and nothing may be left running.
# Refused or not, and even with the names it uses allowed, it must not
# pass.
simple forge_result "$REFUSED|signal 6"
allow=__fork,__setpgid,_IO_fopen
EXTRA=""
grade_one forge_result "$TMP/forge_result+allow" --allow "$allow"
check_leftovers
verdict "forge_result --allow $allow" "$TMP/forge_result+allow/summary.json" "signal 6"

# write_report: refused; allowed, it must not change the grader's reports.
simple write_report "$REFUSED fopen \\(in raft\\.c\\)"
EXTRA=""
allow=fopen,fclose,fputs,fprintf,fwrite,fread
grade_one write_report "$TMP/write_report+allow" --allow "$allow"
check_leftovers
out="$TMP/write_report+allow"
if [ ! -f "$out/results.json" ] || ! head -n 1 "$out/results.json" | grep -q '^{"score": 0.00,'; then
	EXTRA="$EXTRA; results.json does not hold the grader's score 0.00"
fi
if grep -l FORGED "$out"/*.json >/dev/null 2>&1; then
	EXTRA="$EXTRA; forged text in $(grep -l FORGED "$out"/*.json | xargs -n 1 basename | tr '\n' ' ')"
fi
verdict "write_report --allow $allow" "$out/summary.json" "expected one leader, got none"

# inherited_fds: in a batch, the tests must not reach gradebook.csv.
EXTRA=""
mkdir "$TMP/batch"
cp -R "$TMP/subs/inherited_fds" "$TMP/batch/"
grade "$TMP/inherited_fds" --batch "$TMP/batch" --lab election \
	--test test_initial_election --runs 1 --jobs 1 --time-scale 0.1
check_leftovers
book="$TMP/inherited_fds/gradebook.csv"
if [ ! -f "$book" ]; then
	EXTRA="$EXTRA; no gradebook.csv"
elif [ "$(wc -l <"$book" | tr -d ' ')" -ne 2 ] || grep -q '5\.00,5\.00' "$book"; then
	EXTRA="$EXTRA; gradebook.csv was written by the test: $(tr '\n' '|' <"$book")"
fi
verdict "inherited_fds (batch)" "$TMP/inherited_fds/inherited_fds/summary.json" "expected one leader, got none"

# ---- limits ---------------------------------------------------------------

# flood_stdout: stopped at 16 MB, and the kept log is cut there.
EXTRA=""
grade_one flood_stdout "$TMP/flood_stdout"
check_leftovers
log="$TMP/flood_stdout/logs/test_initial_election.1.log"
if [ -f "$log" ]; then
	size=$(wc -c <"$log" | tr -d ' ')
	if [ "$size" -gt 16777216 ]; then
		EXTRA="$EXTRA; the kept log is $size bytes, over the 16 MB limit"
	fi
fi
verdict flood_stdout "$TMP/flood_stdout/summary.json" "output limit"

# At --time-scale 0.3 (Check's timeout: 36 s) the address-space limit
# (8 GiB, or less: 3/4 of the machine's memory), not the timeout, is what
# stops it: touching 8 GiB takes 10 to 25 s on a small virtual machine.
simple eat_memory "signal (6|9|11)" --time-scale 0.3
simple infinite_loop "$TIMEOUT"
simple deadlock "$TIMEOUT"
# At --time-scale 0.2 Check's timeout (24 s) leaves the tester's 10 s
# watchdog on raft_kill, which fires about 13 s in, room to report.
simple kill_hangs "raft_kill\\(peer [0-9]+\\) did not return within 10 s" --time-scale 0.2
# stop_runner: the runner stopped, the wall-clock limit (7.5 s at 0.05) ends
# the run; the test's own process must not outlive it. Refused (sigqueue)
# or not, and with sigqueue allowed.
simple stop_runner "$REFUSED|wall-clock limit" --time-scale 0.05
EXTRA=""
grade_one stop_runner "$TMP/stop_runner+allow" --allow sigqueue --time-scale 0.05
check_leftovers
verdict "stop_runner --allow sigqueue" "$TMP/stop_runner+allow/summary.json" "wall-clock limit"

# fork_bomb: refused; allowed (at --time-scale 0.05: 6 s of a saturated
# machine is enough), it gets 0 and leaves nothing running.
simple fork_bomb "$REFUSED fork \\(in raft\\.c\\)"
if [ "${SKIP_FORK_BOMB:-}" = 1 ]; then
	SKIPPED=$((SKIPPED + 1))
	echo "skip fork_bomb --allow fork: SKIP_FORK_BOMB=1"
else
	EXTRA=""
	grade_one fork_bomb "$TMP/fork_bomb+allow" --allow fork --time-scale 0.05
	check_leftovers
	verdict "fork_bomb --allow fork" "$TMP/fork_bomb+allow/summary.json" "$TIMEOUT"
fi

# ---- partial credit ----------------------------------------------------

if ls solution/*.c >/dev/null 2>&1; then
	part="$TMP/sabotaged"
	cp -R solution "$part"
	make_file=$(grep -l '^struct raft \*raft_make(' "$part"/*.c | head -n 1)
	awk '/^struct raft \*raft_make\(/ { in_make = 1 }
	     in_make && /^\{/ {
		print
		print "\tif (npeers == 7) /* grader/tests: fail test_many_elections only */"
		print "\t\tabort();"
		in_make = 0
		next
	     }
	     { print }' "$make_file" >"$part/raft_make.tmp"
	mv "$part/raft_make.tmp" "$make_file"
	EXTRA=""
	grep -q 'npeers == 7' "$make_file" || EXTRA="; the sabotage was not inserted"
	grade "$TMP/partial" --impl "$part" --lab election --runs 1 --jobs 2 \
		--time-scale 1
	check_leftovers
	s="$TMP/partial/summary.json"
	name="partial credit"
	if [ ! -f "$s" ]; then
		fail "$name" "a summary.json" "none (grader status $GRADER_RC)"
	else
		score=$(top_number "$s" score)
		max=$(top_number "$s" max_score)
		passed=$(top_number "$s" passed)
		failed=$(top_number "$s" failed)
		problem=$(problem_of "$s")
		for t in test_initial_election:1 test_reelection:1 test_many_elections:0; do
			grep "\"name\": \"${t%:*}\"" "$s" | grep -q "\"passed\": ${t#*:}," ||
				EXTRA="$EXTRA; ${t%:*} did not have ${t#*:} passing run"
		done
		last=$(tail -n 1 "$TMP/partial.stdout")
		[ "$last" = "2 passed, 1 failed" ] || EXTRA="$EXTRA; last line \"$last\""
		many=$(grep '"name": "test_many_elections"' "$s" | sed -n 's/.*"first_failure": "\(.*\)", "failing_runs".*/\1/p')
		if [ -n "$problem" ]; then
			fail "$name" "the tests to run" "$(excerpt "$problem")"
		elif [ "$score" != "10.00" ] || [ "$max" != "15.00" ] || [ "$passed" != 2 ] || [ "$failed" != 1 ] || [ -n "$EXTRA" ]; then
			fail "$name" "10.00 of 15.00, 2 passed, 1 failed" "$score of $max, $passed passed, $failed failed$EXTRA; many_elections: $(excerpt "$many" 80)"
		else
			pass "$name" "$score of $max, 2 passed; test_many_elections: $(excerpt "$many" 70)"
		fi
	fi
else
	SKIPPED=$((SKIPPED + 1))
	echo "skip partial credit: no solution/*.c here"
fi

T_TOTAL=$(($(date +%s) - T_START))
echo "grader tests: $((CHECKS - FAILED)) of $CHECKS checks passed, $FAILED failed, $SKIPPED skipped (${T_TOTAL} s)"
[ "$FAILED" -eq 0 ]
