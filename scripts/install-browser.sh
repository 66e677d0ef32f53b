#!/usr/bin/env bash
# Debian's chromium and its chromedriver, for the web page's browser test (tests/serve).
# Installed with apt when missing; needs root or sudo. Playwright's own browser download is
# not used: these machines reach Debian's mirrors, not the browser vendors'.
set -euo pipefail
if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo -n"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
  chromium chromium-driver >/dev/null
chromium --version
