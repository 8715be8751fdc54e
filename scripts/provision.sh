#!/usr/bin/env bash
# Provisions the system tools the test suites need (issue 14), before any test runs: `npm test` and
# `npm run test:long` call it first (their pre-scripts), and so does .ci/run. On a fresh Debian
# machine as root it installs what is missing with apt-get; where it cannot (not root, no apt-get,
# no network, or installing is turned off) it stops at once with one message naming what is missing
# and the command that installs it, instead of a dozen tests failing deep in the suite.
#
#   tool           Debian package  used by
#   redis-server   redis-server    test/scaleout, test/contract (each test starts its own, free port)
#   chromium       chromium        the browser tests (playwright-core, executablePath /usr/bin/chromium)
#   ffmpeg,ffprobe ffmpeg          test/relay/ffmpeg.test.ts (encodes and probes real WebM)
#   script         bsdutils        test/integration/start-banner.test.ts (a pseudo-terminal)
# gcc is not needed: bufferutil ships a linux-x64 prebuild, and only the bench (bench/setup.sh,
# not part of these suites) compiles C.
#
# STREAMHUB_PROVISION: `install` (default) installs when it can; `check` never installs, it only
# reports; `skip` runs no check at all (e.g. `npm test -- codec` on a machine without Chromium).
# `--check` as the first argument is the same as STREAMHUB_PROVISION=check.
set -euo pipefail

mode="${STREAMHUB_PROVISION:-install}"
if [ "${1:-}" = "--check" ]; then mode=check; fi
case "$mode" in
  install | check) ;;
  skip) exit 0 ;;
  *)
    echo "provision: STREAMHUB_PROVISION must be install, check or skip, not '$mode'" >&2
    exit 2
    ;;
esac

TOOLS=(redis-server chromium ffmpeg ffprobe script)

package_of() {
  case "$1" in
    ffmpeg | ffprobe) echo ffmpeg ;;
    script) echo bsdutils ;;
    *) echo "$1" ;;
  esac
}

# Sets `missing` (tools) and `packages` (their Debian packages, each once), from what PATH holds now.
find_missing() {
  hash -r
  missing=() packages=()
  local tool pkg
  for tool in "${TOOLS[@]}"; do
    command -v "$tool" >/dev/null 2>&1 && continue
    missing+=("$tool")
    pkg="$(package_of "$tool")"
    [[ " ${packages[*]} " == *" $pkg "* ]] || packages+=("$pkg")
  done
}

find_missing
[ ${#missing[@]} -eq 0 ] && exit 0

install_cmd="apt-get update && apt-get install -y --no-install-recommends ${packages[*]}"
reason=""
if [ "$mode" = check ]; then
  reason="installing is turned off (STREAMHUB_PROVISION=check)"
elif ! command -v apt-get >/dev/null 2>&1; then
  reason="there is no apt-get here: install the packages named below with this system's package manager"
elif [ "$EUID" -ne 0 ]; then
  reason="installing needs root"
  install_cmd="sudo apt-get update && sudo apt-get install -y --no-install-recommends ${packages[*]}"
else
  echo "provision: installing ${packages[*]} from Debian for ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  # Bounded waits, so that a machine without network fails in seconds rather than minutes.
  apt-get update -qq -o Acquire::Retries=1 -o Acquire::http::Timeout=20 &&
    apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null || true
  find_missing
  [ ${#missing[@]} -eq 0 ] && exit 0
  reason="apt-get could not install them (no network, or no such package here?)"
  install_cmd="apt-get update && apt-get install -y --no-install-recommends ${packages[*]}"
fi

# Builtins only from here on: the PATH that lacks a tool may lack cat and friends too.
printf '%s\n' \
  "provision: the tests need ${missing[*]}, which this machine lacks, and ${reason}." \
  "Install them with:" \
  "" \
  "    ${install_cmd}" \
  "" \
  "then run the tests again. (STREAMHUB_PROVISION=skip runs them without this check.)" >&2
exit 1
