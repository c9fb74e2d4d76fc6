#!/usr/bin/env bash
# Writes constraints.txt: every package of the test environment (direct and transitive, pip included)
# at the version installed, for Python 3.11 on Linux x86_64, the platform CI runs on.
#
# The versions pinned in pyproject.toml are installed as they are; every other package takes the
# version constraints.txt already holds, or the newest release where it holds none (a new
# dependency). To move a transitive package to its newest release, delete its line first.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=$(mktemp -d)/venv
trap 'rm -rf "$(dirname "$venv")"' EXIT
python3 -m venv "$venv"
. "$venv/bin/activate"
# Old constraints the new pins contradict would stop the install: keep only the packages that
# pyproject.toml does not pin.
pinned=$(grep -oE '"[A-Za-z0-9_.-]+==' pyproject.toml | tr -d '"=' | tr 'A-Z_.' 'a-z--')
previous=$(mktemp)
grep -E '^[A-Za-z0-9_.-]+==' constraints.txt 2>/dev/null | while IFS= read -r line; do
    name=$(echo "${line%%==*}" | tr 'A-Z_.' 'a-z--')
    grep -qx "$name" <<<"$pinned" || echo "$line"
done >"$previous"
pip_pin=$(grep -iE '^pip==' "$previous" || echo pip)
python -m pip install --quiet --upgrade "$pip_pin"
python -m pip install --quiet -c "$previous" -e '.[test,report,serve,parquet]'
python -m pip check
{
    echo "# Every package of the test environment, direct and transitive, at the version CI and the demo"
    echo "# install (pip install -c constraints.txt ...). Python 3.11, Linux x86_64."
    echo "# Written by scripts/refresh_constraints.sh; README, \"Upgrading a dependency\", says when and how."
    python -m pip freeze --all --exclude-editable | grep -vE '^(-e |#)' | LC_ALL=C sort -f -t= -k1,1
} >constraints.txt
rm -f "$previous"
echo "constraints.txt: $(grep -c '==' constraints.txt) packages"
