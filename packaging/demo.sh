#!/usr/bin/env bash
# Mounts cwmfs on the ConnectWise emulator's demo data and shows it around.
#
#   packaging/demo.sh [MOUNTPOINT]   build, start the emulator, mount (default ./cw)
#   packaging/demo.sh stop [MOUNTPOINT]   unmount and stop the emulator
#
# The emulator listens on 127.0.0.1 only; nothing leaves the machine.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
state=${CWMFS_DEMO_STATE:-/tmp/cwmfs-demo}

stop() {
  local mnt=$1
  if mountpoint -q "$mnt" 2>/dev/null; then
    fusermount3 -u "$mnt" 2>/dev/null || fusermount3 -u -z "$mnt"
    echo "unmounted $mnt"
  fi
  if [ -f "$state/emulator.pid" ]; then
    kill "$(cat "$state/emulator.pid")" 2>/dev/null || true
    rm -f "$state/emulator.pid"
    echo "emulator stopped"
  fi
}

if [ "${1:-}" = stop ]; then
  stop "$(realpath -m "${2:-cw}")"
  exit 0
fi

mnt=$(realpath -m "${1:-cw}")
bash "$here/packaging/deps.sh"
cmake -S "$here" -B "$here/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$here/build" -j"$(nproc)" >/dev/null
stop "$mnt" >/dev/null

mkdir -p "$state" "$mnt"
rm -f "$state/port"
python3 "$here/tests/emulator/cwm_emulator.py" --port 0 --port-file "$state/port" \
  --members 60 --seed 7 --company demo --public-key demopub --private-key demopriv \
  --client-id 00000000-0000-4000-8000-000000000000 >"$state/emulator.log" 2>&1 &
echo $! >"$state/emulator.pid"
for _ in $(seq 100); do [ -s "$state/port" ] && break; sleep 0.1; done
port=$(cat "$state/port")

# The demo's keys live in a 0600 config file, never on the command line.
umask 077
cat >"$state/config" <<CFG
[demo]
url = http://127.0.0.1:$port
company = demo
public_key = demopub
private_key = demopriv
client_id = 00000000-0000-4000-8000-000000000000
CFG
"$here/build/cwmfs" -o config="$state/config" -o umask=022 demo "$mnt"

show() { echo; echo "\$ $1"; bash -c "$1" || true; }
echo "cwmfs: the emulator's demo org (http://127.0.0.1:$port) is mounted at $mnt"
cd "$mnt"
show 'ls -l'
show 'ls members | head -8'
show 'cat info'
show 'head -20 members/admin.json'
show 'grep -rl "Sales" departments members | head -5'
show "jq -r '[.identifier, .title] | @tsv' members/admin.json"
show "sed -i 's/\"title\": \".*\"/\"title\": \"Chief Demo Officer\"/' members/admin.json  # one PATCH"
show "jq -r .title members/admin.json"
show "echo '{ not json' > members/admin.json; tail -n 1 .cwmfs/errors  # refused, nothing sent"
show 'getfattr -d members/admin.json  # where it lives in the API'
show 'cat .cwmfs/stats  # what the mount has asked the server'
echo
echo "Still mounted at $mnt.  Stop with: packaging/demo.sh stop ${1:-}"
