#!/bin/sh
# Writes the student distribution of the kit into a new folder: everything
# the repository holds but the reference solution, with the baseline file
# of the reference's figures, so that make grade can show them.
#
#   sh grader/handout.sh <folder>        (make handout HANDOUT=<folder>)
set -eu

dest=${1:?usage: make handout HANDOUT=<folder>}
if [ -e "$dest" ] && [ -n "$(ls -A "$dest" 2>/dev/null)" ]; then
	echo "make handout: $dest exists and is not empty" >&2
	exit 2
fi
if [ ! -f grader/baseline.tsv ]; then
	echo "make handout: grader/baseline.tsv is missing; run make baseline" \
		"first (it needs solution/)" >&2
	exit 2
fi

# The files of the kit: what git tracks when this is a clone, else what
# is here, without build output.
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	files=$(git ls-files)
else
	files=$(find . -type f ! -path './build/*' ! -path './.git/*' |
		sed 's|^\./||')
fi

mkdir -p "$dest"
# grader/tests/ holds working attacks on the grader: instructors only.
printf '%s\n' "$files" | grep -v -e '^solution/' -e '^grade-report/' \
	-e '^grader/tests/' |
	tar -cf - -T - | tar -xf - -C "$dest"
# The baseline may be newer than the last commit.
cp grader/baseline.tsv "$dest/grader/baseline.tsv"

n=$(printf '%s\n' "$files" |
	grep -v -c -e '^solution/' -e '^grade-report/' -e '^grader/tests/')
echo "handout written to $dest ($n files, no solution/)"
