#!/bin/sh
# Runs the README example and checks the three steps its comments promise.
out=$("$1") || { echo "example exited non-zero"; exit 1; }
echo "$out"
echo "$out" | grep -q '^connect to wss://gateway.discord.gg/?v=10&encoding=json$' &&
echo "$out" | grep -q '^send {"op":2,"d":{"token":"my-token"' &&
echo "$out" | grep -q '^ready: session abc$' || { echo "README example output differs from the README"; exit 1; }
