# The JVM flags of the production image (JAVA_OPTS of src/main/docker/Dockerfile.jvm, then JAVA_OPTS_APPEND as in the
# image), bound to the loopback, with -XX:MaxRAM set to the container's size (CONTAINER_MB, Render's 512 MB) so that
# its percentages resolve as they do there and not against this machine's RAM. Sourced by the benchmarks.
image_java_opts() {
  local dockerfile opts
  dockerfile="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/src/main/docker/Dockerfile.jvm"
  opts=$(sed -n 's/.*JAVA_OPTS="\([^"]*\)".*/\1/p' "$dockerfile" | sed 's/-Dquarkus.http.host=[^ ]*//')
  [ -n "$opts" ] || { echo "no JAVA_OPTS in $dockerfile" >&2; return 1; }
  echo "$opts ${JAVA_OPTS_APPEND:-} -XX:MaxRAM=${CONTAINER_MB:-512}m -Dquarkus.http.host=127.0.0.1" | tr -s ' '
}

# The production image's environment for the service besides its flags: the allocator it preloads (LD_PRELOAD of
# Dockerfile.jvm), as assignments for `env`. Needs the library: ensure_jemalloc (scripts/lib.sh) installs it.
image_env() {
  local dockerfile
  dockerfile="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/src/main/docker/Dockerfile.jvm"
  sed -n 's/^ *\(LD_PRELOAD=[^ ]*\).*/\1/p' "$dockerfile"
}
