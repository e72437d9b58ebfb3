#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The licence: LICENSE is the Apache License 2.0 (as meson.build declares),
# and every source file (C, headers, scripts, meson files, units) carries
# an SPDX-License-Identifier line among its first three lines.
# Usage: test-license.sh SOURCE_ROOT
set -u
root=$1
fail=0

grep -q "Apache License" "$root/LICENSE" && grep -q "Version 2.0, January 2004" "$root/LICENSE" \
	|| { echo "LICENSE is not the Apache License 2.0"; fail=1; }
grep -q "license: 'Apache-2.0'" "$root/meson.build" || { echo "meson.build does not declare Apache-2.0"; fail=1; }

count=0
for f in $(cd "$root" && find . \( -path ./.git -o -path './build*' -o -path ./debian/.debhelper \
		-o -path ./debian/tmp -o -path './debian/afb-*' -o -path ./obj-\* \) -prune -o -type f \
		\( -name '*.c' -o -name '*.h' -o -name '*.py' -o -name '*.sh' -o -name meson.build \
		-o -name meson_options.txt -o -name '*.service' -o -name '*.socket' -o -name '*.conf' \
		-o -path './scripts/*' -o -path ./.ci/run -o -path ./debian/rules \) -print); do
	count=$((count + 1))
	if ! head -n 3 "$root/$f" | grep -q "SPDX-License-Identifier: Apache-2.0"; then
		echo "no SPDX-License-Identifier line: $f"
		fail=1
	fi
done
echo "$count files checked"
[ "$count" -gt 100 ] || { echo "too few files found under $root"; fail=1; }
exit $fail
