# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Shell functions shared by scripts/demo and scripts/check (sourced, bash).
# Run from the root of the repository.

# The packages of scripts/packages.txt, without comments and blank lines.
afb_packages() {
	sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' scripts/packages.txt
}

# Installs the packages that are missing (checked with dpkg-query).
afb_ensure_packages() {
	local pkg missing=()

	for pkg in $(afb_packages); do
		if ! dpkg-query -W -f='${Status}\n' "$pkg" 2>/dev/null | grep -q '^install ok installed$'; then
			missing+=("$pkg")
		fi
	done
	if [ ${#missing[@]} -gt 0 ]; then
		echo "== installing missing packages: ${missing[*]}"
		local sudo=
		if [ "$(id -u)" -ne 0 ]; then
			command -v sudo >/dev/null || { echo "error: run as root (or install sudo) to install: ${missing[*]}" >&2; return 1; }
			sudo=sudo
		fi
		$sudo apt-get update -q || return 1
		$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" || return 1
	fi
	afb_check_sanitizer_runtimes
}

# The sanitizer runtimes of gcc (packages libasan8, libubsan1 and libtsan2, pulled by gcc).
afb_check_sanitizer_runtimes() {
	local lib path
	for lib in libasan.so libubsan.so libtsan.so; do
		path=$(gcc -print-file-name="$lib")
		if [ ! -e "$path" ]; then
			echo "error: gcc has no $lib (install the gcc package of Debian 12: gcc-12 pulls libasan8, libubsan1 and libtsan2)" >&2
			return 1
		fi
	done
}

# True when the build directory $1 has the meson options "-Dname=value" given
# after it (every option of the list; values compared case-insensitively).
afb_build_has_options() {
	local dir=$1
	shift
	[ $# -eq 0 ] && return 0
	meson introspect "$dir" --buildoptions 2>/dev/null | python3 -c '
import json, sys
opts = {o["name"]: o["value"] for o in json.load(sys.stdin)}
def norm(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return ",".join(map(str, v))
    return str(v).lower()
for arg in sys.argv[1:]:
    name, _, value = arg[2:].partition("=")
    if name not in opts or norm(opts[name]) != value.lower():
        sys.exit(1)
' "$@"
}

# Configures the build directory $1 with the meson options that follow,
# only when it is not configured yet or its options differ.
afb_ensure_build() {
	local dir=$1
	shift
	if [ ! -f "$dir/build.ninja" ]; then
		echo "== configuring $dir $*"
		if [ -d "$dir/meson-private" ]; then
			meson setup --wipe "$dir" "$@" || return 1
		else
			meson setup "$dir" "$@" || return 1
		fi
	elif ! afb_build_has_options "$dir" "$@"; then
		echo "== reconfiguring $dir $*"
		meson configure "$dir" "$@" || return 1
	fi
}
