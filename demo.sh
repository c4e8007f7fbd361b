#!/usr/bin/env bash
# Shows ssh-mux's main job: builds ssh-mux and runs `ssh-mux demo`, which starts an embedded
# upstream SSH server and the gateway in a temporary directory and connects the real OpenSSH
# client twice through it (the second session reuses the first one's upstream connection).
#   ./demo.sh                   run the demo
#   ./demo.sh --keep-running    keep the gateway up afterwards to try it yourself (Ctrl+C ends it)
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v ssh >/dev/null 2>&1; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "Installing openssh-client (the demo's client is the real ssh)..."
  $SUDO apt-get update -qq && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssh-client >/dev/null
fi

dotnet build src/SshMux -c Release -v quiet -nologo >/dev/null
exec dotnet src/SshMux/bin/Release/net10.0/ssh-mux.dll demo "$@"
