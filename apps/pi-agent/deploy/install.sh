#!/bin/sh
# Installs the Wakeward agent on Raspberry Pi OS (bookworm or later). Run as root
# from an unpacked release made by deploy/build-release.sh (the directory holding
# dist/, node_modules/, deploy/):
#
#   sudo ./deploy/install.sh
#   sudo -u wakeward-agent WAKEWARD_CONFIG=/etc/wakeward-agent/agent.json \
#        node /opt/wakeward-agent/dist/apps/pi-agent/src/main.js enroll --code <CODE>
#   sudo systemctl start wakeward-agent
#
# Needs node >= 20 (apt install nodejs from NodeSource). Idempotent: safe to re-run
# for an upgrade; the config and the state (token, buffers) are never overwritten.
set -eu

SRC=$(cd "$(dirname "$0")/.." && pwd)
PREFIX=/opt/wakeward-agent
ETC=/etc/wakeward-agent
STATE=/var/lib/wakeward-agent
USER_NAME=wakeward-agent

if [ "$(id -u)" -ne 0 ]; then
  echo "install.sh: run as root (sudo)" >&2
  exit 1
fi
if ! command -v node >/dev/null 2>&1; then
  echo "install.sh: node is not installed (need >= 20)" >&2
  exit 1
fi
NODE_MAJOR=$(node -p 'process.versions.node.split(".")[0]')
if [ "$NODE_MAJOR" -lt 20 ]; then
  echo "install.sh: node $NODE_MAJOR is too old (need >= 20)" >&2
  exit 1
fi

# A system user with no shell and no home: it only runs the daemon.
if ! id "$USER_NAME" >/dev/null 2>&1; then
  useradd --system --no-create-home --home-dir "$STATE" --shell /usr/sbin/nologin "$USER_NAME"
fi
for group in gpio spi i2c; do
  if getent group "$group" >/dev/null 2>&1; then usermod -a -G "$group" "$USER_NAME"; fi
done

# Code: replaced as a whole on upgrade.
install -d -m 0755 "$PREFIX"
rm -rf "$PREFIX/dist.new"
cp -a "$SRC/dist" "$PREFIX/dist.new"
rm -rf "$PREFIX/dist" && mv "$PREFIX/dist.new" "$PREFIX/dist"
if [ -d "$SRC/node_modules" ]; then
  rm -rf "$PREFIX/node_modules" && cp -a "$SRC/node_modules" "$PREFIX/node_modules"
fi
cp "$SRC/package.json" "$PREFIX/package.json"

# Config: created once from the example, then owned by the site's ops.
install -d -m 0750 -g "$USER_NAME" "$ETC"
if [ ! -f "$ETC/agent.json" ]; then
  install -m 0640 -g "$USER_NAME" "$SRC/deploy/agent.example.json" "$ETC/agent.json"
  echo "install.sh: edit $ETC/agent.json (apiUrl, shutdown methods, sensors) before starting"
fi

# State: token, plan cache, disk buffers. Only the agent may read it.
install -d -m 0700 -o "$USER_NAME" -g "$USER_NAME" "$STATE"

install -m 0644 "$SRC/deploy/wakeward-agent.service" /etc/systemd/system/wakeward-agent.service
# Without a running systemd (an image built in a chroot) daemon-reload and restart
# fail; enable works offline, and the agent starts at the next boot.
SYSTEMD_RUNNING=no
if [ -d /run/systemd/system ]; then SYSTEMD_RUNNING=yes; fi
if [ "$SYSTEMD_RUNNING" = yes ]; then systemctl daemon-reload; fi
systemctl enable wakeward-agent.service

su -s /bin/sh "$USER_NAME" -c "WAKEWARD_CONFIG=$ETC/agent.json node $PREFIX/dist/apps/pi-agent/src/main.js --check-config" >/dev/null \
  && echo "install.sh: configuration OK" \
  || echo "install.sh: configuration has problems; fix $ETC/agent.json (see above)"

if [ "$SYSTEMD_RUNNING" = no ]; then
  echo "install.sh: systemd is not running here; the agent starts at the next boot (enrol first if it is not enrolled)"
elif [ -f "$STATE/agent-token.json" ]; then
  systemctl restart wakeward-agent.service
  echo "install.sh: agent restarted"
else
  echo "install.sh: not enrolled yet; run the enroll command shown at the top of this script, then: systemctl start wakeward-agent"
fi
