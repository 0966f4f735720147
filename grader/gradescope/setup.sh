#!/bin/sh
# Gradescope's setup script: it runs once, as root, when the autograder
# image is built, with the kit unpacked in /autograder/source (see "Running
# it as a Gradescope autograder" in docs/grading.md).
set -eu
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y make gcc libc6-dev \
	check pkg-config
cd /autograder/source
# Build the kit and the grader now, so that each submission pays only for
# its own build.
make build/grader/grade
make -s IMPL=skeleton
