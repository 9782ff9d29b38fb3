#!/usr/bin/env bash
# Builds the benchmark module and runs the load drivers: bench/run.sh [store|store-sqlite|store-pg|sse|sandbox|harness|model|all]
set -euo pipefail
cd "$(dirname "$0")/.."
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
./mvnw -q -B ${MVN_OFFLINE:+-o} -pl bench -am package -DskipTests
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED ${BENCH_JAVA_OPTS:-} \
  -cp "bench/target/bench.jar:$(cat bench/target/classpath.txt)" \
  dev.agentry.bench.Main "${1:-all}"
