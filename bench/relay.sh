#!/usr/bin/env bash
# Bulk throughput and session-open latency through `ssh-mux serve`, beside OpenSSH in the
# same run: the same transfer direct to sshd, through OpenSSH ProxyJump, and through
# ssh-mux; session open through ssh-mux's warm upstream beside OpenSSH ControlMaster.
#
# Also the resident memory of ssh-mux serve with IDLE idle sessions open, beside the OpenSSH
# ControlMaster process holding as many.
#
# Usage: bench/relay.sh [BYTES] [SESSIONS] [IDLE]   (defaults: 1000000000 bytes, 20 session opens, 200 idle sessions)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bytes=${1:-1000000000}
opens=${2:-20}
idle=${3:-200}

dotnet build "$here/src/SshMux" -c Release -v quiet -nologo >/dev/null
mux="$here/src/SshMux/bin/Release/net10.0/ssh-mux.dll"

dir=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$dir"; }
trap cleanup EXIT INT TERM
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
[ -d /run/sshd ] || mkdir -p /run/sshd

mkdir -p "$dir/home/.ssh" "$dir/sshd"
ssh-keygen -q -t ed25519 -N '' -f "$dir/sshd/host"
ssh-keygen -q -t ed25519 -N '' -f "$dir/home/.ssh/id_ed25519"
ssh-keygen -q -t ed25519 -N '' -f "$dir/client"
cp "$dir/home/.ssh/id_ed25519.pub" "$dir/sshd/authorized_keys"
cat "$dir/client.pub" >> "$dir/sshd/authorized_keys"
cp "$dir/client.pub" "$dir/home/.ssh/ssh-mux-authorized-keys"
up=$(free_port); local_port=$(free_port)
echo "[127.0.0.1]:$up $(cut -d' ' -f1,2 "$dir/sshd/host.pub")" > "$dir/home/.ssh/known_hosts"
cat > "$dir/sshd/config" <<CFG
Port $up
ListenAddress 127.0.0.1
HostKey $dir/sshd/host
AuthorizedKeysFile $dir/sshd/authorized_keys
PidFile $dir/sshd/pid
StrictModes no
UsePAM no
MaxSessions 1000
MaxStartups 1000
CFG
/usr/sbin/sshd -f "$dir/sshd/config" -D -e 2>"$dir/sshd/log" & pids+=($!)
HOME="$dir/home" dotnet "$mux" serve --remote "127.0.0.1:$up" -u "$(id -un)" -p "$local_port" 2>"$dir/serve.log" & pids+=($!)
for _ in $(seq 100); do grep -q Listening "$dir/serve.log" 2>/dev/null && break; sleep 0.1; done

common=(-o IdentitiesOnly=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o LogLevel=ERROR -i "$dir/client")
user=$(id -un)
time_cmd() { local s e; s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N); echo "$e - $s" | bc -l; }
transfer() { "$@" "head -c $bytes /dev/zero" | wc -c | grep -qx "$bytes"; }

ssh "${common[@]}" -p "$local_port" "$user@127.0.0.1" true   # warm the upstream connection

direct=$(time_cmd transfer ssh "${common[@]}" -p "$up" "$user@127.0.0.1")
jump=$(time_cmd transfer ssh "${common[@]}" -o "ProxyCommand=ssh ${common[*]} -p $up -W %h:%p $user@127.0.0.1" -p "$up" "$user@127.0.0.1")
viamux=$(time_cmd transfer ssh "${common[@]}" -p "$local_port" "$user@127.0.0.1")

ctl="$dir/ctl"
ssh "${common[@]}" -o ControlMaster=yes -o ControlPath="$ctl" -o ControlPersist=60 -p "$up" "$user@127.0.0.1" true
master=$(time_cmd bash -c "for i in \$(seq $opens); do ssh ${common[*]} -o ControlPath=$ctl -p $up $user@127.0.0.1 true; done")
muxopen=$(time_cmd bash -c "for i in \$(seq $opens); do ssh ${common[*]} -p $local_port $user@127.0.0.1 true; done")

# Memory with idle sessions: each holds a session channel open (sleep) through one upstream.
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
serve_pid=$(pgrep -f "ssh-mux.dll serve --remote 127.0.0.1:$up" | head -1)
master_pid=$(pgrep -f "ssh: $ctl" | head -1)   # the master renames itself "ssh: PATH [mux]"
serve_before=$(rss_kb "$serve_pid"); master_before=$(rss_kb "$master_pid")
sleepers=()
for i in $(seq "$idle"); do ssh "${common[@]}" -p "$local_port" "$user@127.0.0.1" sleep 120 & sleepers+=($!); done
for i in $(seq "$idle"); do ssh "${common[@]}" -o ControlPath="$ctl" -p "$up" "$user@127.0.0.1" sleep 120 & sleepers+=($!); done
for _ in $(seq 120); do
  n=$(pgrep -c -f "^sshd: $user@notty" || true)
  [ "${n:-0}" -ge $((idle * 2)) ] && break
  sleep 1
done
sleep 2
serve_after=$(rss_kb "$serve_pid"); master_after=$(rss_kb "$master_pid")
for p in "${sleepers[@]}"; do kill "$p" 2>/dev/null || true; done
ssh -o ControlPath="$ctl" -O exit -p "$up" "$user@127.0.0.1" 2>/dev/null || true

mb() { echo "scale=1; $bytes / $1 / 1000000" | bc -l; }
ratio() { echo "scale=2; $1 / $2" | bc -l; }
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-34s %10s %8s\n' "bulk transfer ($bytes bytes)" "MB/s" "x direct"
printf '%-34s %10s %8s\n' "ssh direct" "$(mb "$direct")" "1.00"
printf '%-34s %10s %8s\n' "ssh through OpenSSH ProxyJump" "$(mb "$jump")" "$(ratio "$direct" "$jump")"
printf '%-34s %10s %8s\n' "ssh through ssh-mux serve" "$(mb "$viamux")" "$(ratio "$direct" "$viamux")"
printf '%-34s %10s %8s\n' "session open ($opens runs of true)" "ms each" "x master"
printf '%-34s %10s %8s\n' "OpenSSH ControlMaster" "$(echo "scale=1; $master * 1000 / $opens" | bc -l)" "1.00"
printf '%-34s %10s %8s\n' "ssh-mux warm upstream" "$(echo "scale=1; $muxopen * 1000 / $opens" | bc -l)" "$(ratio "$muxopen" "$master")"
printf '%-34s %10s %10s\n' "memory with $idle idle sessions" "RSS MB" "growth MB"
printf '%-34s %10s %10s\n' "OpenSSH ControlMaster process" "$((master_after / 1024))" "$(( (master_after - master_before) / 1024 ))"
printf '%-34s %10s %10s\n' "ssh-mux serve process" "$((serve_after / 1024))" "$(( (serve_after - serve_before) / 1024 ))"
