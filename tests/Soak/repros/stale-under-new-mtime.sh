#!/bin/bash
# A one-chunk file rewritten in place by ONE slow write() call just as upload-directory opens it to read:
# the uploader reads the old content after the kernel has already set the new mtime, records the old
# content under the new size and mtime, and never sends the new content (found by the soak; see README
# "Soak"). Usage: stale-under-new-mtime.sh /path/to/openmsistream [ROUNDS]. Embedded broker, one
# 500,000-byte file, everything in a temp directory; KEEP=1 keeps it. Linux, python3.
set -u
OMS=$1; ROUNDS=${2:-60}
W=$(mktemp -d -t openmsistream-repro.XXXX); export OPENMSISTREAM_HOME=$W/home HOME=$W/home XDG_DATA_HOME=$W/home
mkdir -p $W/src $W/home
$OMS local-broker --config-out $W/local.config > $W/broker.log 2>&1 & B=$!
while ! grep -q bootstrap $W/local.config 2>/dev/null; do sleep 0.2; done
$OMS upload-directory $W/src --topic t --config $W/local.config --state-directory $W/state --settle-time 1 > $W/up.out 2> $W/up.err & U=$!
until grep -q watching $W/up.err; do sleep 0.2; done
head -c 500000 /dev/urandom > $W/src/f.bin
sleep 3
python3 "$(dirname "$0")/stale-under-new-mtime.py" $W/src/f.bin $ROUNDS $W/cold.src $W/up.out
$OMS upload-state $W/src --state-directory $W/state | grep -i f.bin
echo "file: $(sha512sum $W/src/f.bin | cut -c1-16)...; stat: $(stat -c '%s bytes, mtime %y' $W/src/f.bin)"
kill -TERM $U $B; wait
[ -n "${KEEP:-}" ] && echo "kept $W" || rm -rf $W
