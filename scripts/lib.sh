# Shared by the scripts: the project root, the jar, and the MXNet thread settings measured for 2 cores.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JAR="$ROOT/target/product-tagger.jar"
# NaiveEngine runs operators on the calling thread: on 2 cores MXNet's threaded engine is several times
# slower for networks of many small layers. OMP=2 lets one batch use both cores (see README, Performance).
export MXNET_ENGINE_TYPE="${MXNET_ENGINE_TYPE:-NaiveEngine}"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-2}"
export OPT_OUT_TRACKING=true

# Builds the executable jar when it is missing or older than the sources.
ensure_jar() {
  if [ ! -f "$JAR" ] || [ -n "$(find "$ROOT/src/main" "$ROOT/pom.xml" -newer "$JAR" -print -quit)" ]; then
    echo "building $JAR ..." >&2
    (cd "$ROOT" && mvn -B -q -DskipTests package) || { echo "build failed" >&2; exit 1; }
  fi
}

tagger() {
  java ${JAVA_OPTS:-} -jar "$JAR" "$@"
}
