#!/usr/bin/env bash
# Assert that every option in guest-kernel/required.txt is =y in a kernel .config.
# Usage: guest-kernel/check-config.sh CONFIG_FILE   (prints TAP; exit 1 if any is missing)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
config=${1:?usage: check-config.sh CONFIG_FILE}
required=${REQUIRED:-$here/required.txt}

[[ -r $config ]] || { echo "check-config: cannot read $config" >&2; exit 2; }

mapfile -t options < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$required" | grep -v '^$')
echo "1..${#options[@]}"
n=0
failed=0
for option in "${options[@]}"; do
	n=$((n + 1))
	if grep -qx "$option=y" "$config"; then
		echo "ok $n - $option"
	else
		actual=$(grep -E "^(# )?$option[= ]" "$config" || true)
		echo "not ok $n - $option (${actual:-absent})"
		failed=$((failed + 1))
	fi
done
[[ $failed -eq 0 ]] || { echo "# $failed of ${#options[@]} required options are not =y" >&2; exit 1; }
