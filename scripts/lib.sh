# Shared by the run and test scripts: idempotent "install when missing, start when stopped" steps.
# Sourced, not run. Every step prints one short line of what it did.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export DEBIAN_FRONTEND=noninteractive
APT_UPDATED=""

log() { printf 'setup: %s\n' "$*" >&2; }

apt_install() {
  if [ -z "$APT_UPDATED" ]; then apt-get update -qq >&2; APT_UPDATED=1; fi
  apt-get install -y -qq --no-install-recommends "$@" >&2
}

ensure_java() {
  local version
  version=$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1 || true)
  if [ -z "$version" ] || [ "$version" -lt 17 ]; then
    log "installing a JDK (found '${version:-none}', need 17+)"
    apt_install openjdk-17-jdk-headless
  fi
}

# PostgreSQL from Debian's packages unless DATABASE_URL points elsewhere. Role and password match the
# defaults in application.properties; both databases (service and tests) belong to that role.
ensure_postgres() {
  if [ -n "${DATABASE_URL:-}" ]; then log "DATABASE_URL is set: using it, installing nothing"; return; fi
  command -v pg_ctlcluster >/dev/null || { log "installing PostgreSQL"; apt_install postgresql; }
  local cluster
  cluster=$(pg_lsclusters --no-header | awk 'NR==1 {print $1" "$2}')
  if [ -z "$cluster" ]; then
    local version; version=$(ls /usr/lib/postgresql | sort -n | tail -n 1)
    pg_createcluster "$version" main >&2; cluster="$version main"
  fi
  if ! pg_lsclusters --no-header | awk -v c="$cluster" '$1" "$2==c && $4=="online"' | grep -q .; then
    log "starting PostgreSQL $cluster"; pg_ctlcluster $cluster start
  fi
  local port; port=$(pg_lsclusters --no-header | awk -v c="$cluster" '$1" "$2==c {print $3}')
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p "$port" && break; sleep 1; done
  pg_isready -q -h 127.0.0.1 -p "$port" || { log "PostgreSQL did not become ready"; return 1; }
  [ "$port" = 5432 ] || export DATABASE_URL="postgres://decode_runner:decode_runner@127.0.0.1:$port/decode_runner"
  psql_admin() { (cd / && su postgres -c "psql -p $port -v ON_ERROR_STOP=1 -qtA $*"); }
  if [ "$(psql_admin "-c \"select 1 from pg_roles where rolname='decode_runner'\"")" != 1 ]; then
    psql_admin "-c \"create role decode_runner login password 'decode_runner'\""
  fi
  for db in decode_runner decode_runner_test; do
    if [ "$(psql_admin "-c \"select 1 from pg_database where datname='$db'\"")" != 1 ]; then
      psql_admin "-c \"create database $db owner decode_runner\""; log "created database $db"
    fi
  done
}

# Redis on loopback for the shared rate-limit store (and its tests).
ensure_redis() {
  command -v redis-server >/dev/null || { log "installing Redis"; apt_install redis-server; }
  if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    log "starting Redis on 127.0.0.1:6379"
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no >&2
    for _ in $(seq 1 20); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.5; done
  fi
}

ensure_dbt() {
  if [ -z "${DBT_EXECUTABLE:-}" ]; then
    DBT_EXECUTABLE=$("$ROOT/scripts/dbt-env.sh")
    export DBT_EXECUTABLE
  fi
  log "dbt: $DBT_EXECUTABLE"
}

# Headless Chromium for the test that renders a docs job's page (DocsPageTest); the tests need it, the service does not.
ensure_chromium() {
  command -v chromium >/dev/null || { log "installing Chromium"; apt_install chromium; }
}

# The allocator the production images preload into the service (src/main/docker); run.sh and the benchmarks do too.
ensure_jemalloc() {
  ldconfig -p | grep -q 'libjemalloc\.so\.2 ' || { log "installing jemalloc"; apt_install libjemalloc2; }
}

# The production images' settings, read from their Dockerfiles so that what runs here is what runs there, bound to the
# loopback instead of every address. image_args jvm: JAVA_OPTS (then JAVA_OPTS_APPEND, as in the image) with -XX:MaxRAM
# at the container's size (CONTAINER_MB, Render's 512) so that its percentages resolve as they do there. image_args
# native: the executable's arguments in the CMD (its heap bound and where its JNI library lies, relative to its folder).
image_args() {
  local dockerfile="$ROOT/src/main/docker/Dockerfile.$1" args
  case "$1" in
    jvm) args="$(sed -n 's/.*JAVA_OPTS="\([^"]*\)".*/\1/p' "$dockerfile") ${JAVA_OPTS_APPEND:-} -XX:MaxRAM=${CONTAINER_MB:-512}m" ;;
    native) args=$(sed -n 's/^CMD \[\(.*\)\]$/\1/p' "$dockerfile" | tr -d '",' | cut -d' ' -f2-) ;;
  esac
  [ -n "${args// /}" ] || { log "no service arguments in $dockerfile"; return 1; }
  echo "$args" | sed 's/-Dquarkus.http.host=[^ ]*/-Dquarkus.http.host=127.0.0.1/' | tr -s ' '
}

# image_env jvm|native: the image's environment for the service besides its arguments (the allocator it preloads), as
# assignments for `env`. ensure_jemalloc installs the library.
image_env() {
  sed -n 's/^ *\(LD_PRELOAD=[^ ]*\).*/\1/p' "$ROOT/src/main/docker/Dockerfile.$1"
}

# A native-image toolchain's home: GRAALVM_HOME, else native-image on PATH, else the stand-in toolchain that sits
# beside the checkout on the project's machines (../shared/native, installed on first use). Fails with a message.
find_graalvm() {
  if [ -n "${GRAALVM_HOME:-}" ] && [ -x "$GRAALVM_HOME/bin/native-image" ]; then echo "$GRAALVM_HOME"; return; fi
  local on_path; on_path=$(command -v native-image || true)
  if [ -n "$on_path" ]; then dirname "$(dirname "$(readlink -f "$on_path")")"; return; fi
  if [ -f "$ROOT/../shared/native/install.sh" ]; then
    bash "$ROOT/../shared/native/install.sh" | sed -n 's/^GRAALVM_HOME=//p' | tail -n 1
    return
  fi
  log "no native-image found: set GRAALVM_HOME to GraalVM or Mandrel for JDK 25, or put native-image on PATH"
  return 1
}

# native_build MAVEN_ARGS...: packages the native executable (about 4 minutes and 8 GB on 2 cores) and records which
# sources it was built from.
native_build() {
  local graalvm; graalvm=$(find_graalvm) || return 1
  log "building the native executable with $graalvm"
  (cd "$ROOT" && GRAALVM_HOME="$graalvm" ./mvnw -B -ntp "$@" -Dquarkus.native.enabled=true -Dquarkus.package.jar.enabled=false) >&2 \
    || return 1
  native_sources_stamp > "$ROOT/target/native-sources.sha256"
}

native_sources_stamp() {
  (cd "$ROOT" && find pom.xml src/main -type f | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -d' ' -f1)
}

# Prints the native executable's path, building it first when the sources changed since it was built.
ensure_native_executable() {
  local executable
  executable=$(ls "$ROOT"/target/*-runner 2>/dev/null | head -n 1 || true)
  if [ -z "$executable" ] || [ ! -f "$ROOT/target/native-lib/libduckdb_java.so" ] \
     || [ "$(cat "$ROOT/target/native-sources.sha256" 2>/dev/null)" != "$(native_sources_stamp)" ]; then
    native_build -q package -DskipTests || return 1
    executable=$(ls "$ROOT"/target/*-runner | head -n 1)
  fi
  echo "$executable"
}

ensure_everything() {
  ensure_java
  ensure_postgres
  ensure_redis
  ensure_dbt
}
