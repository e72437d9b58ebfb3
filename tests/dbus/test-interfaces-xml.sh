#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Every D-Bus interface file of interfaces/ is well-formed XML (xmllint),
# and one that gdbus-codegen reads (it refuses what GLib's lenient
# introspection parser would accept, e.g. "--" inside a comment).
# Usage: test-interfaces-xml.sh SOURCE_ROOT
set -eu
dir="$1/interfaces"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
for f in "$dir"/*.xml; do
	[ -e "$f" ] || { echo "no interface file in $dir"; exit 1; }
	xmllint --noout "$f"
	gdbus-codegen --interface-prefix org.afb. --generate-c-code "$tmp/gen" "$f"
	echo "ok: $f"
	n=$((n + 1))
done
echo "$n interface files checked"
