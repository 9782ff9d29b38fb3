# Sourced by ./agentry, ./test and bench/run.sh: points JAVA_HOME at a JDK 21 or newer.
# A JAVA_HOME that is already set and new enough wins; otherwise the newest JDK under /usr/lib/jvm
# (the machine's default `java` may be 17, which cannot build the project: it targets release 21).

# The JDK's `release` file names its version without starting a JVM (this runs on every ./agentry
# command); `java -version` only for a JDK without one.
java_major() {
  local major
  major="$(sed -nE 's/^JAVA_VERSION="([0-9]+).*/\1/p' "$1/release" 2>/dev/null)"
  [[ -n "$major" ]] || major="$("$1/bin/java" -version 2>&1 | sed -nE '1s/.*version "([0-9]+).*/\1/p')"
  echo "$major"
}

select_java_home() {
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]] && (( $(java_major "$JAVA_HOME") >= 21 )); then
    export JAVA_HOME
    return 0
  fi
  local best="" best_major=0 candidate major
  for candidate in /usr/lib/jvm/*/; do
    candidate="${candidate%/}"
    [[ -x "$candidate/bin/javac" ]] || continue
    major="$(java_major "$candidate")"
    if [[ -n "$major" ]] && (( major >= 21 && major > best_major )); then
      best="$candidate" best_major="$major"
    fi
  done
  if [[ -z "$best" ]]; then
    echo "no JDK 21 or newer found under /usr/lib/jvm; set JAVA_HOME to one" >&2
    return 1
  fi
  export JAVA_HOME="$best"
}
