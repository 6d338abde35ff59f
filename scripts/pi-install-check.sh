#!/bin/sh
# The Pi install, end to end, in a fresh Debian root: builds the release with
# apps/pi-agent/deploy/build-release.sh, runs its deploy/install.sh (twice: it must be
# idempotent) in a new bookworm root made with debootstrap, then checks that the
# service user, the unit (enabled, accepted by systemd-analyze verify inside the
# root) and the state directory exist, that --check-config passes as the service
# user, and that `enroll` reaches a stand-in API on loopback and stores its token.
# Takes minutes and needs the Debian mirror the first time, so it is not part of
# `npm test`; its latest result is in apps/pi-agent/README.md.
#
#   sudo scripts/pi-install-check.sh [WORK_DIR]    (default /var/tmp/wakeward-pi-install)
#
# Node: the root gets this host's node (>= 20), as a Pi gets it from NodeSource; a
# fresh Debian root's own nodejs is 18, which install.sh rightly refuses. The root
# shares this host's network namespace, so everything it reaches is on 127.0.0.1.
set -eu

REPO=$(cd "$(dirname "$0")/.." && pwd)
WORK=${1:-/var/tmp/wakeward-pi-install}
BASE="$WORK/base"
ROOT="$WORK/root"
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

if [ "$(id -u)" -ne 0 ]; then
  echo "pi-install-check: run as root (debootstrap, chroot)" >&2
  exit 1
fi
for tool in debootstrap chroot; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "pi-install-check: installing debootstrap"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap
    break
  fi
done

started=$(date +%s)
mkdir -p "$WORK"
# The base root is made once (minutes, from the mirror); every run copies it afresh.
if [ ! -f "$BASE/.complete" ]; then
  rm -rf "$BASE.tmp"
  debootstrap --variant=minbase --include=systemd,ca-certificates,libstdc++6,passwd bookworm "$BASE.tmp" "$MIRROR"
  touch "$BASE.tmp/.complete"
  rm -rf "$BASE" && mv "$BASE.tmp" "$BASE"
fi
cleanup() {
  umount "$ROOT/proc" 2>/dev/null || true
  [ -n "${API_PID:-}" ] && kill "$API_PID" 2>/dev/null || true
}
trap cleanup EXIT
umount "$ROOT/proc" 2>/dev/null || true
rm -rf "$ROOT"
cp -a "$BASE" "$ROOT"
mount -t proc proc "$ROOT/proc"
# Where NodeSource's nodejs package puts it, and where the unit's ExecStart looks.
install -m 0755 "$(command -v node)" "$ROOT/usr/bin/node"
echo "pi-install-check: fresh Debian $(cat "$ROOT/etc/debian_version") root, node $(chroot "$ROOT" node --version)"

# The release, as an operator copies it to a Pi.
"$REPO/apps/pi-agent/deploy/build-release.sh" "$WORK/release"
rm -rf "$ROOT/root/wakeward-agent-release"
tar -C "$ROOT/root" -xzf "$WORK/release.tar.gz"
mv "$ROOT/root/release" "$ROOT/root/wakeward-agent-release"

fail() {
  echo "pi-install-check: FAIL: $*" >&2
  exit 1
}

chroot "$ROOT" /root/wakeward-agent-release/deploy/install.sh || fail "install.sh exited $?"
chroot "$ROOT" /root/wakeward-agent-release/deploy/install.sh >/dev/null || fail "install.sh is not idempotent"

chroot "$ROOT" id wakeward-agent >/dev/null || fail "no service user"
[ "$(chroot "$ROOT" getent passwd wakeward-agent | cut -d: -f7)" = /usr/sbin/nologin ] || fail "the service user has a shell"
[ -f "$ROOT/etc/systemd/system/wakeward-agent.service" ] || fail "no unit"
[ -L "$ROOT/etc/systemd/system/multi-user.target.wants/wakeward-agent.service" ] || fail "unit not enabled"
verify=$(chroot "$ROOT" systemd-analyze verify /etc/systemd/system/wakeward-agent.service 2>&1) || fail "systemd-analyze verify: $verify"
[ -z "$verify" ] || fail "systemd-analyze verify complained: $verify"
[ "$(chroot "$ROOT" stat -c %a:%U /var/lib/wakeward-agent)" = 700:wakeward-agent ] || fail "state directory not 0700 wakeward-agent"
[ "$(chroot "$ROOT" stat -c %a:%G /etc/wakeward-agent/agent.json)" = 640:wakeward-agent ] || fail "config not 0640 group wakeward-agent"

# A stand-in API on loopback: answers enrolment and records the request.
PORT_FILE="$WORK/api.port"
REQUEST_FILE="$WORK/enroll-request.json"
rm -f "$PORT_FILE" "$REQUEST_FILE"
node -e '
  const [portFile, requestFile] = process.argv.slice(1);
  const server = require("http").createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      if (req.method === "POST" && req.url === "/api/agent/v1/enroll") {
        require("fs").writeFileSync(requestFile, body);
        res.writeHead(201, { "content-type": "application/json" });
        res.end(JSON.stringify({ agentId: "agt_install_check", token: "tok_install_check" }));
      } else res.writeHead(404).end();
    });
  });
  server.listen(0, "127.0.0.1", () => require("fs").writeFileSync(portFile, String(server.address().port)));
' "$PORT_FILE" "$REQUEST_FILE" &
API_PID=$!
while [ ! -s "$PORT_FILE" ]; do sleep 0.1; done
API_URL="http://127.0.0.1:$(cat "$PORT_FILE")"

# The site's ops edit the config; then the documented commands, as the service user.
node -e '
  const fs = require("fs");
  const [file, apiUrl] = process.argv.slice(1);
  const config = JSON.parse(fs.readFileSync(file, "utf8"));
  fs.writeFileSync(file, JSON.stringify({ ...config, apiUrl }, null, 2));
' "$ROOT/etc/wakeward-agent/agent.json" "$API_URL"
as_agent() {
  chroot "$ROOT" su -s /bin/sh wakeward-agent -c "WAKEWARD_CONFIG=/etc/wakeward-agent/agent.json node /opt/wakeward-agent/dist/apps/pi-agent/src/main.js $*"
}
as_agent --check-config >/dev/null || fail "--check-config failed as the service user"
as_agent enroll --code INSTALL-CHECK-1 >/dev/null || fail "enroll failed"
grep -q '"code":"INSTALL-CHECK-1"' "$REQUEST_FILE" || fail "the API did not receive the enrolment code"
token=/var/lib/wakeward-agent/agent-token.json
[ "$(chroot "$ROOT" stat -c %a:%U "$token")" = 600:wakeward-agent ] || fail "token file not 0600 wakeward-agent"
grep -q tok_install_check "$ROOT$token" || fail "token not stored"

echo "pi-install-check: PASS in $(($(date +%s) - started)) s: release $(du -sh "$WORK/release" | cut -f1)," \
  "installed twice, user and enabled unit (verify clean), --check-config OK, enrolled against $API_URL"
