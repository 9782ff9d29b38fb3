#!/usr/bin/env bash
# Builds the benchmark module and runs the load drivers:
#   bench/run.sh [store|store-sqlite|store-pg|sse|sse-nodes|sandbox|harness|model|peer|files|nodes|checkpoints|all]
# peer (and all) also need the LangGraph.js side's packages, installed from bench/langgraph's
# package-lock.json on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/java-home.sh
select_java_home
what="${1:-all}"
if [[ "$what" == peer || "$what" == all ]] && [[ ! -d bench/langgraph/node_modules ]]; then
  (cd bench/langgraph && npm ci --no-audit --no-fund)
fi
./mvnw -q -B ${MVN_OFFLINE:+-o} -pl bench -am package -DskipTests
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED ${BENCH_JAVA_OPTS:-} \
  -cp "bench/target/bench.jar:$(cat bench/target/classpath.txt)" \
  dev.agentry.bench.Main "$what"
