#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Lints fastmapctl's bash completion and man page: bash -n, then completions computed by sourcing
# the script and calling _fastmapctl with COMP_WORDS (a stub fastmapctl on PATH lists the
# instances), then `man --warnings` (or groff -ww -z) on docs/man/*.8.
# usage: cli_completion_test.sh SOURCE_DIR
set -u
src=${1:?usage: $0 SOURCE_DIR}
comp=$src/completions/fastmapctl.bash
pass=0
fail=0
ok() { pass=$((pass + 1)) && echo "ok - $*"; }
nok() { fail=$((fail + 1)) && echo "not ok - $*"; }

if bash -n "$comp"; then ok "bash -n $comp"; else nok "bash -n $comp"; fi

# A fastmapctl stub for the instance names.
stub=$(mktemp -d)
trap 'rm -rf "$stub"' EXIT
cat >"$stub/fastmapctl" <<'STUB'
#!/bin/sh
[ "$1 $2" = "list --json" ] && echo '{"instances": [{"name": "db0"}, {"name": "scratch"}]}'
STUB
chmod +x "$stub/fastmapctl"
PATH=$stub:$PATH
compopt() { :; } # only valid inside a real completion
# shellcheck source=/dev/null
source "$comp"

# complete WORDS...: COMPREPLY for the last word (may be ""), sorted, space-separated.
complete_words() {
	COMP_WORDS=(fastmapctl "$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_fastmapctl
	printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
}
# expect DESC WANT WORDS...
expect() {
	local d=$1 want=$2 got
	shift 2
	got=$(complete_words "$@")
	if [ "$got" = "$want" ]; then ok "$d"; else nok "$d: got '$got', want '$want'"; fi
}
# has DESC WORD WORDS...: WORD is among the completions; lacks: it is not.
has() {
	local d=$1 w=$2
	shift 2
	if complete_words "$@" | tr ' ' '\n' | grep -qx -- "$w"; then ok "$d"; else nok "$d: no '$w' in '$(complete_words "$@")'"; fi
}
lacks() {
	local d=$1 w=$2
	shift 2
	if complete_words "$@" | tr ' ' '\n' | grep -qx -- "$w"; then nok "$d: '$w' offered"; else ok "$d"; fi
}

for verb in attach detach list stats status top set get enable disable files events version \
	policy decisions restore-defaults run; do
	has "verb $verb" "$verb" ""
done
has "global --no-daemon" --no-daemon --
expect "policy subverbs" "reload show validate" policy ""
lacks "policy reload offers no --json" --json policy reload --
has "policy show offers --json" --json policy show --
has "policy validate offers --json" --json policy validate --
expect "stats options" "--count --help --json --prometheus --watch" stats --
expect "top options" "--help --interval --json --once" top --
expect "attach options" "--batch --cache --help --name" attach --
expect "events options" "--count --help --json --timeout" events --
expect "disable options" "--dev --help --ino" disable --
expect "decisions options" "--count --help --json" decisions --
expect "run options" "--quiet" run --q
for verb in list files version status get set restore-defaults; do
	has "$verb --json" --json "$verb" --
done
expect "instance names" "db0 scratch" stats ""
expect "instance names, prefix" "scratch" detach s
expect "get keys" "batch cache dev device dirty_ratio id size wb_interval" get db0 ""
expect "set keys" "batch= cache= dirty_ratio= wb_interval=" set db0 ""
expect "no completion after --interval" "" top --interval ""

# The man pages.
for page in "$src"/docs/man/*.8; do
	if command -v man >/dev/null; then
		out=$(LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
	elif command -v groff >/dev/null; then
		out=$(groff -ww -z -man "$page" 2>&1)
	else
		echo "skip - man and groff missing: $page not linted"
		continue
	fi
	if [ -z "$out" ]; then ok "man --warnings $(basename "$page")"; else nok "man $(basename "$page"): $out"; fi
done

echo "completion: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
