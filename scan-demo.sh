#!/usr/bin/env bash
# Shows ssh-mux's SSH stack at work: builds ssh-mux and runs `ssh-mux scan`.
#   ./scan-demo.sh              scan a throwaway OpenSSH server started on a loopback port
#   ./scan-demo.sh HOST[:PORT]  scan that server instead
set -euo pipefail
cd "$(dirname "$0")"

dotnet build src/SshMux -c Release -v quiet -nologo >/dev/null
mux() { dotnet src/SshMux/bin/Release/net10.0/ssh-mux.dll "$@"; }

if [ $# -gt 0 ]; then
  exec dotnet src/SshMux/bin/Release/net10.0/ssh-mux.dll scan "$@"
fi

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
if [ ! -x /usr/sbin/sshd ]; then
  echo "Installing openssh-server (for a throwaway server to scan)..."
  $SUDO apt-get update -qq && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssh-server >/dev/null
fi
[ -d /run/sshd ] || $SUDO mkdir -p /run/sshd

dir="$(mktemp -d)"
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT INT TERM

port="$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
for t in ed25519 ecdsa rsa; do ssh-keygen -q -t "$t" -N '' -f "$dir/host_$t" ; done
cat > "$dir/sshd_config" <<CFG
Port $port
ListenAddress 127.0.0.1
HostKey $dir/host_ed25519
HostKey $dir/host_ecdsa
HostKey $dir/host_rsa
PidFile $dir/sshd.pid
StrictModes no
UsePAM no
CFG
/usr/sbin/sshd -f "$dir/sshd_config" -D -e 2>"$dir/sshd.log" &
pid=$!
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done

echo "Scanning a throwaway OpenSSH server on 127.0.0.1:$port"
echo
mux scan "127.0.0.1:$port"
echo
echo "ssh-keygen's view of the same keys, for comparison:"
for t in ed25519 ecdsa rsa; do ssh-keygen -l -f "$dir/host_$t.pub"; done
