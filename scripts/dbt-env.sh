#!/usr/bin/env bash
# Creates (or reuses) the project's pinned dbt environment in .venv-dbt and prints the dbt executable's path.
# The DuckDB pinned here must read and write the files that the service's duckdb_jdbc opens (same storage format).
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${DBT_VENV:-$PWD/.venv-dbt}"
requirements="$PWD/scripts/dbt-requirements.txt"
stamp="$venv/.requirements.sha256"
want=$(sha256sum "$requirements" | cut -d' ' -f1)

if [ -x "$venv/bin/dbt" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  echo "$venv/bin/dbt"
  exit 0
fi

if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' >/dev/null 2>&1; then
  echo "dbt-env: installing python3-venv" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 && apt-get install -y -qq python3 python3-venv python3-pip >&2
fi

echo "dbt-env: creating $venv" >&2
rm -rf "$venv"
python3 -m venv "$venv" >&2
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements" >&2
echo "$want" > "$stamp"
echo "$venv/bin/dbt"
