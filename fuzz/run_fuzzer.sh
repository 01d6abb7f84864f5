#!/bin/sh
# run_fuzzer.sh FUZZER SEED_DIR SECONDS: fuzz for SECONDS from a scratch copy of
# the seeds (the checked-in corpus is never written), with a memory cap.
set -eu
exe=$1; seeds=$2; secs=$3
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus"
[ -d "$seeds" ] && cp -r "$seeds"/. "$work/corpus/" 2>/dev/null || true
exec "$exe" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -max_len=65536 \
     -print_final_stats=1 -artifact_prefix="$work/" "$work/corpus"
