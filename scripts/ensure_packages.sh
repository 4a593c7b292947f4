#!/usr/bin/env bash
# The Debian packages the tests need: a real broker, a real database server, a real browser, and Node.js
# for the contract's second implementation (js/).
# As root, install what is missing; otherwise print the one apt-get line and fail.
set -euo pipefail
need=()
command -v mosquitto >/dev/null 2>&1 || test -x /usr/sbin/mosquitto || need+=(mosquitto)
command -v mosquitto_pub >/dev/null 2>&1 || need+=(mosquitto-clients)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
test -x /usr/bin/chromium || need+=(chromium)
test -x /usr/bin/chromedriver || need+=(chromium-driver)
test -d /usr/share/fonts/opentype/noto || need+=(fonts-noto-cjk)
command -v node >/dev/null 2>&1 || need+=(nodejs)  # the second implementation of the contract (js/)
if [ ${#need[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${need[@]}"
else
    echo "The tests need Debian packages that are missing. Install them with:" >&2
    echo "  sudo apt-get install -y ${need[*]}" >&2
    exit 1
fi
