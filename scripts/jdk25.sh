# Sourced by ./dycoke and scripts/test: finds a JDK 25 or newer and exports JAVA_HOME.
# Order: $JAVA_HOME if it is 25+, then Debian's standard JVM folder (/usr/lib/jvm), then `java` on the PATH.

_dycoke_java_major() { # prints the feature version of the java at $1/bin/java, or nothing
  "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n 1
}

_dycoke_find_jdk() {
  local cand v
  for cand in "${JAVA_HOME:-}" /usr/lib/jvm/*; do
    [ -n "$cand" ] && [ -x "$cand/bin/java" ] && [ -x "$cand/bin/javac" ] || continue
    v=$(_dycoke_java_major "$cand")
    if [ -n "$v" ] && [ "$v" -ge 25 ]; then printf '%s\n' "$cand"; return 0; fi
  done
  if command -v javac >/dev/null 2>&1; then
    cand=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
    v=$(_dycoke_java_major "$cand")
    if [ -n "$v" ] && [ "$v" -ge 25 ]; then printf '%s\n' "$cand"; return 0; fi
  fi
  return 1
}

if ! DYCOKE_JDK=$(_dycoke_find_jdk); then
  echo "dycoke: needs a JDK 25 or newer (HotSpot), and found none in JAVA_HOME, /usr/lib/jvm or on the PATH." >&2
  echo "dycoke: install one, e.g. 'apt-get install temurin-25-jdk' or an OpenJDK 25 build, then set JAVA_HOME to it." >&2
  exit 3
fi
export JAVA_HOME="$DYCOKE_JDK"
export PATH="$JAVA_HOME/bin:$PATH"
# DJL (used only by tests, as a tokenizer oracle) must never phone home.
export OPT_OUT_TRACKING=true
