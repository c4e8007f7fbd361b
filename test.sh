#!/usr/bin/env bash
# The one test command of ssh-mux: installs the real SSH peers the interop tests talk to,
# builds the solution in Release (warnings are errors) and runs every test project.
# The last line is the summary "N passed, N failed[, N skipped]"; the exit status is
# non-zero when the build fails or any test fails. CI=true (passed through to the tests)
# turns a missing peer program into a test failure instead of a skip.
set -uo pipefail
cd "$(dirname "$0")"

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# --- Peers: install only when something is missing (one apt-get update) ---------------
# (systemd only for systemd-analyze, which checks the unit `ssh-mux install` writes; socat
# carries ProxyCommand routes in the pool tests; git and curl drive the sign-proxy shim.)
PACKAGES="openssh-server openssh-client openssh-sftp-server dropbear-bin putty-tools python3-paramiko python3-asyncssh python3-cryptography systemd socat git curl"
missing=""
for tool in /usr/sbin/sshd ssh ssh-keygen ssh-agent ssh-add dropbear dbclient dropbearkey dropbearconvert puttygen plink psftp systemd-analyze socat git curl; do
    if ! command -v "$tool" >/dev/null 2>&1 && ! [ -x "/usr/sbin/$tool" ] && ! [ -x "/usr/bin/$tool" ]; then
        missing="$missing $tool"
    fi
done
for module in paramiko asyncssh cryptography; do
    if ! /usr/bin/python3 -c "import $module" >/dev/null 2>&1; then
        missing="$missing python3-$module"
    fi
done
if [ -n "$missing" ]; then
    echo "test.sh: installing peers (missing:$missing)"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q \
        && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $PACKAGES \
        || { echo "test.sh: could not install $PACKAGES"; echo "0 passed, 1 failed"; exit 1; }
fi

# node's ssh2 (client and server) for the PeerInterop tests: the versions pinned in
# tests/peers-node/package-lock.json, installed only when missing. Its optional native
# helpers (cpu-features) are left out: they would need a compiler and node headers, and
# ssh2 works without them.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "test.sh: installing node and npm"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q \
        && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q nodejs npm \
        || { echo "test.sh: could not install nodejs npm"; echo "0 passed, 1 failed"; exit 1; }
fi
if [ ! -f tests/peers-node/node_modules/ssh2/package.json ]; then
    echo "test.sh: installing node ssh2 into tests/peers-node"
    (cd tests/peers-node && npm ci --omit=optional --no-audit --no-fund) \
        || { echo "test.sh: npm ci in tests/peers-node failed"; echo "0 passed, 1 failed"; exit 1; }
fi

# sshd refuses to start as root without its privilege separation directory.
if [ ! -d /run/sshd ]; then
    as_root mkdir -p /run/sshd && as_root chmod 0755 /run/sshd
fi

if ! command -v dotnet >/dev/null 2>&1; then
    echo "test.sh: the .NET SDK (dotnet) is not installed"
    echo "0 passed, 1 failed"
    exit 1
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
if [ -n "${CI:-}" ]; then export CI; fi

# --- Build ------------------------------------------------------------------------------
if ! dotnet build SshMux.slnx -c Release -nologo; then
    echo "test.sh: build failed"
    echo "0 passed, 1 failed"
    exit 1
fi

# --- Test -------------------------------------------------------------------------------
results="TestResults/run-$(date +%Y%m%d-%H%M%S)-$$"
mkdir -p "$results"
# A hung test kills its test host after 5 minutes instead of stalling the run.
dotnet test SshMux.slnx -c Release --no-build -nologo \
    --results-directory "$results" \
    --logger "trx;LogFilePrefix=results" \
    --blame-hang-timeout 5m --blame-hang-dump-type none
status=$?

# --- Summary from the TRX files (one per test project) ---------------------------------
passed=0 failed=0 skipped=0 files=0
for trx in "$results"/*.trx; do
    [ -e "$trx" ] || continue
    files=$((files + 1))
    outcomes=$(grep -o '<UnitTestResult [^>]*' "$trx" | grep -o ' outcome="[A-Za-z]*"' || true)
    passed=$((passed + $(grep -c '"Passed"' <<<"$outcomes")))
    skipped=$((skipped + $(grep -c '"NotExecuted"' <<<"$outcomes")))
    failed=$((failed + $(grep -vc -e '"Passed"' -e '"NotExecuted"' -e '^$' <<<"$outcomes")))
done

if [ "$files" -eq 0 ]; then
    echo "test.sh: no test results were written"
    status=1
fi
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
    # The test host crashed or aborted: count that as a failure so the summary says so.
    failed=1
fi

summary="$passed passed, $failed failed"
if [ "$skipped" -gt 0 ]; then summary="$summary, $skipped skipped"; fi
echo "$summary"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ]; then exit 1; fi
exit 0
