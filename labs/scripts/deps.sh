#!/bin/sh
# Makes sure the Check unit-test library and pkg-config are installed.
# As root it installs them with apt-get; otherwise it prints the command to
# run and fails, so that make stops with a clear reason.
set -eu

if command -v pkg-config >/dev/null 2>&1 && pkg-config --exists check; then
	exit 0
fi

cmd="apt-get install -y check pkg-config"
if [ "$(id -u)" -ne 0 ]; then
	echo "The Check unit-test library is missing. Install it with:" >&2
	echo "    sudo apt-get update && sudo $cmd" >&2
	exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
	echo "The Check unit-test library is missing, and this system has no" >&2
	echo "apt-get. Install the packages 'check' and 'pkg-config' with its" >&2
	echo "package manager (Homebrew: brew install check pkg-config)." >&2
	exit 1
fi
echo "Installing Check and pkg-config: apt-get update && $cmd"
apt-get update -q >/dev/null
DEBIAN_FRONTEND=noninteractive $cmd >/dev/null
pkg-config --exists check
