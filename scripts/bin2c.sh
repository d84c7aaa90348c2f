#!/bin/sh
# SPDX-License-Identifier: MIT
# A binary file as a C array, for embedding build products (option ROMs)
# in tandem:
#   scripts/bin2c.sh FILE NAME HEADER > OUT.c
# defines `const uint8_t NAME[]` and `const size_t NAME_len`, declared in
# HEADER (included so the compiler checks the two agree).
set -eu
file=$1 name=$2 header=$3
[ -s "$file" ] || { echo "bin2c: $file is missing or empty" >&2; exit 1; }
echo "/* Generated from $file by scripts/bin2c.sh; do not edit. */"
echo "#include \"$header\""
echo "const uint8_t $name[] = {"
od -An -v -tx1 "$file" | sed -e 's/ \([0-9a-f][0-9a-f]\)/0x\1,/g' -e 's/^/   /'
echo "};"
echo "const size_t ${name}_len = sizeof($name);"
