#!/usr/bin/env bash
# Fills a dbt package directory (RUNNER_DBT_PACKAGES_DIR) from a list of pinned hub packages, as the container images
# do at build time:
#   bash scripts/dbt-packages.sh [LIST] [DIR]        (defaults: src/main/dbt-packages.txt, ./dbt-packages)
# LIST has one package a line, '<namespace>/<package> <version> <sha1>'; '#' starts a comment. Each version is looked up
# in the hub's index (the hub is https://hub.getdbt.com/ unless DBT_PACKAGE_HUB_URL, dbt's own variable, names
# another), its tarball downloaded and checked against the sha1, and unpacked (its top folder stripped) into
# DIR/<namespace>/<package>/<version>/. A version already there is kept. Needs curl, python3, tar and sha1sum.
# The service must not be able to write DIR: the images leave it owned by root and run the service as another user.
set -euo pipefail
list=${1:-src/main/dbt-packages.txt}
dir=${2:-dbt-packages}
hub=${DBT_PACKAGE_HUB_URL:-https://hub.getdbt.com/}
hub=${hub%/}/
mkdir -p "$dir"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

segment='[A-Za-z0-9_][A-Za-z0-9_.-]*'
while read -r name version sha1 extra; do
  [[ -z "$name" || "$name" == \#* ]] && continue
  if ! [[ "$name" =~ ^$segment/$segment$ && "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+[A-Za-z0-9.+-]*$ \
          && "$sha1" =~ ^[0-9a-f]{40}$ && -z "$extra" ]]; then
    echo "dbt-packages: '$name $version $sha1 $extra' is not '<namespace>/<package> <version> <sha1>'" >&2
    exit 1
  fi
  target="$dir/$name/$version"
  if [[ -f "$target/dbt_project.yml" ]]; then
    echo "dbt-packages: $name $version is there"
    continue
  fi
  url=$(curl -fsSL --retry 3 "${hub}api/v1/$name.json" | python3 -c '
import json, sys
versions = json.load(sys.stdin)["versions"]
if sys.argv[1] not in versions:
    sys.exit("dbt-packages: the hub has no version %s of %s" % (sys.argv[1], sys.argv[2]))
print(versions[sys.argv[1]]["downloads"]["tarball"])' "$version" "$name")
  curl -fsSL --retry 3 -o "$work/package.tar.gz" "$url"
  if ! echo "$sha1  $work/package.tar.gz" | sha1sum --check --status; then
    echo "dbt-packages: the tarball of $name $version from $url does not have the sha1 $sha1" >&2
    exit 1
  fi
  rm -rf "$work/unpacked" && mkdir "$work/unpacked"
  tar -xzf "$work/package.tar.gz" -C "$work/unpacked" --strip-components=1 --no-same-owner --no-same-permissions
  if [[ ! -f "$work/unpacked/dbt_project.yml" ]]; then
    echo "dbt-packages: the tarball of $name $version holds no dbt_project.yml below its top folder" >&2
    exit 1
  fi
  chmod -R u+rwX,go+rX,go-w "$work/unpacked"
  mkdir -p "$(dirname "$target")"
  mv "$work/unpacked" "$target"
  echo "dbt-packages: $name $version added"
done < "$list"
chmod -R go+rX,go-w "$dir"
