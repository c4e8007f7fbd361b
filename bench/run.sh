#!/usr/bin/env bash
# Builds the benchmarks in Release, runs the BenchmarkDotNet suite, measures OpenSSL's
# primitives on the same machine and prints ssh-mux vs OpenSSL throughput.
#
# Usage: bench/run.sh [--full] [--no-openssl] [BenchmarkDotNet arguments...]
#   --full         BenchmarkDotNet's default (long) job instead of the ShortRun job
#   --no-openssl   skip the OpenSSL measurements (the table then has no reference column)
#   Every other argument goes to BenchmarkDotNet unchanged, e.g.
#     bench/run.sh --filter '*PacketCipher*'
#   Without --filter every benchmark runs (BenchmarkDotNet would otherwise ask interactively).
#
# Packet cipher rows: Seal is one 32 KiB packet sealed; Open is SealOpen - Seal (an opened
# packet cannot be opened again, see PacketCipherBenchmarks). ssh-mux figures use
# BenchmarkDotNet's median. OpenSSL references come from `openssl speed -elapsed -bytes
# 32768` (wall-clock, like BenchmarkDotNet, so a loaded machine slows both alike); for
# CTR + HMAC the reference is the two OpenSSL passes back to back (1 / (1/ctr + 1/hmac)),
# which is the work the SSH construction does. OPENSSL_SECONDS sets the time per OpenSSL
# measurement (default 1). The load average is printed because on a shared machine it
# matters more than the job length.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
project=$here/SshMux.Bench
artifacts=$here/BenchmarkDotNet.Artifacts
openssl_seconds=${OPENSSL_SECONDS:-1}

full=0
with_openssl=1
bdn_args=()
for arg in "$@"; do
  case $arg in
    --full) full=1 ;;
    --no-openssl) with_openssl=0 ;;
    *) bdn_args+=("$arg") ;;
  esac
done

has_arg() {
  local a
  for a in "${bdn_args[@]}"; do
    [[ $a == "$1" ]] && return 0
  done
  return 1
}
has_arg --filter || has_arg -f || bdn_args+=(--filter '*')
if (( ! full )) && ! has_arg --job && ! has_arg -j; then
  bdn_args+=(--job short)
fi

echo "== Load average: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
echo "== Building (Release)"
dotnet build -c Release "$project" -nologo -v q

echo "== BenchmarkDotNet ${bdn_args[*]}"
rm -rf "$artifacts/results"
# BenchmarkDotNet finds the project to generate its runner from the working directory.
(cd "$project" && dotnet run -c Release --no-build -- --artifacts "$artifacts" "${bdn_args[@]}")

openssl_file=$(mktemp)
trap 'rm -f "$openssl_file"' EXIT

# Bytes per second for one `openssl speed` selection at 32 KiB (machine-readable +F line).
openssl_bps() {
  openssl speed -elapsed -seconds "$openssl_seconds" -bytes 32768 -mr "$@" 2>/dev/null |
    awk -F: '/^\+F:/ { v = $4 } END { if (v != "") print v }'
}

if (( with_openssl )); then
  if ! command -v openssl >/dev/null; then
    echo "openssl not found; no reference figures" >&2
  else
    echo "== OpenSSL $(openssl version)"
    for alg in aes-128-gcm aes-256-gcm chacha20-poly1305; do
      echo "evp:$alg:encrypt=$(openssl_bps -evp "$alg")" >>"$openssl_file"
      echo "evp:$alg:decrypt=$(openssl_bps -evp "$alg" -decrypt)" >>"$openssl_file"
    done
    for alg in aes-128-ctr aes-192-ctr aes-256-ctr; do
      echo "evp:$alg:encrypt=$(openssl_bps -evp "$alg")" >>"$openssl_file"
    done
    for digest in sha256 sha512; do
      echo "hmac:$digest=$(openssl_bps -hmac "$digest")" >>"$openssl_file"
    done

    # Public-key operations: OpenSSL 3.0 calls the key agreement "ecdhx25519", later
    # releases also accept "x25519".
    pk_out=$(openssl speed -elapsed -seconds "$openssl_seconds" ed25519 x25519 2>&1) ||
      pk_out=$(openssl speed -elapsed -seconds "$openssl_seconds" ed25519 ecdhx25519 2>&1) || true
    echo "$pk_out" | grep -E 'Ed25519|X25519|op/s|sign/s' || true
    sign=$(echo "$pk_out" | awk '/EdDSA \(Ed25519\)/ { print $(NF-1) }')
    verify=$(echo "$pk_out" | awk '/EdDSA \(Ed25519\)/ { print $NF }')
    agree=$(echo "$pk_out" | awk '/ecdh \(X25519\)/ { print $NF }')
    echo "ops:ed25519:sign=${sign}" >>"$openssl_file"
    echo "ops:ed25519:verify=${verify}" >>"$openssl_file"
    echo "ops:x25519=${agree}" >>"$openssl_file"
  fi
fi

echo "== ssh-mux vs OpenSSL (load average now: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown))"
python3 - "$artifacts/results" "$openssl_file" <<'PY'
import csv, glob, os, re, sys

results_dir, openssl_file = sys.argv[1], sys.argv[2]
packet_bytes = 32 * 1024

ref = {}
with open(openssl_file) as f:
    for line in f:
        key, _, value = line.strip().partition("=")
        try:
            ref[key] = float(value)
        except ValueError:
            pass

UNITS = {"ns": 1.0, "us": 1e3, "\u03bcs": 1e3, "\u00b5s": 1e3, "ms": 1e6, "s": 1e9}

def mean_ns(cell, header):
    """Mean in ns from a BenchmarkDotNet CSV cell ("5.1 us", "1,234 ns" or a bare number
    whose unit is in the header, as in the -numeric export)."""
    cell = cell.replace(",", "").strip()
    m = re.match(r"^([0-9.]+)\s*(\S+)?$", cell)
    if not m:
        return None
    unit = m.group(2) or (re.search(r"\[(\S+)\]", header) or [None, "ns"])[1]
    return float(m.group(1)) * UNITS.get(unit, float("nan"))

def rows(path):
    """(row, time in ns): the Median column when exported, else the Mean."""
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        names = reader.fieldnames or []
        col = next((c for c in names if c.startswith("Median")), None) or next((c for c in names if c.startswith("Mean")), None)
        for row in reader:
            yield row, (mean_ns(row[col], col) if col else None)

def gbps(bytes_per_second):
    return f"{bytes_per_second / 1e9:8.2f}" if bytes_per_second else "       -"

def ratio(ours, theirs):
    return f"{ours / theirs:6.2f}" if ours and theirs else "     -"

def openssl_packet(suite, op):
    cipher, _, mac = suite.partition("+")
    direction = "encrypt" if op == "seal" else "decrypt"
    m = re.match(r"aes(\d+)-gcm@openssh.com$", cipher)
    if m:
        return ref.get(f"evp:aes-{m.group(1)}-gcm:{direction}")
    if cipher.startswith("chacha20-poly1305"):
        return ref.get(f"evp:chacha20-poly1305:{direction}")
    m = re.match(r"aes(\d+)-ctr$", cipher)
    h = re.match(r"hmac-(sha2-(256|512))", mac)
    if m and h:
        c = ref.get(f"evp:aes-{m.group(1)}-ctr:encrypt")
        d = ref.get(f"hmac:sha{h.group(2)}")
        return 1 / (1 / c + 1 / d) if c and d else None
    return None

table = []
packet_csv = glob.glob(os.path.join(results_dir, "*PacketCipherBenchmarks-report-numeric.csv"))
if packet_csv:
    times = {}
    for row, ns in rows(packet_csv[0]):
        times[(row["Suite"], row["Method"])] = ns
    for suite in sorted({s for s, _ in times}, key=lambda s: (s.split("+")[0], s)):
        seal, both = times.get((suite, "Seal")), times.get((suite, "SealOpen"))
        seal_bps = packet_bytes / seal * 1e9 if seal else None
        open_bps = packet_bytes / (both - seal) * 1e9 if seal and both and both > seal else None
        for op, ours in (("seal", seal_bps), ("open", open_bps)):
            theirs = openssl_packet(suite, op)
            table.append((suite, op, gbps(ours), gbps(theirs), ratio(ours, theirs)))

# Public-key benchmarks from other suites, matched by name (ops/s rather than bytes/s).
pk = []
for path in glob.glob(os.path.join(results_dir, "*-report.csv")):
    type_name = os.path.basename(path).replace("-report.csv", "")
    for row, ns in rows(path):
        name = f"{type_name}.{row.get('Method', '')}".lower()
        key = None
        if "ed25519" in name and "sign" in name:
            key = "ops:ed25519:sign"
        elif "ed25519" in name and "verif" in name:
            key = "ops:ed25519:verify"
        elif "x25519" in name or "curve25519" in name:
            key = "ops:x25519"
        if key and ns:
            ours = 1e9 / ns
            pk.append((f"{type_name.split('.')[-1]}.{row['Method']}", f"{ours:10.0f}",
                       f"{ref[key]:10.0f}" if ref.get(key) else "         -", ratio(ours, ref.get(key))))

if table:
    print(f"{'suite (32 KiB packet)':48} {'op':5} {'ssh-mux GB/s':>12} {'OpenSSL GB/s':>12} {'ratio':>6}")
    for suite, op, ours, theirs, r in table:
        print(f"{suite:48} {op:5} {ours:>12} {theirs:>12} {r:>6}")
else:
    print("(no PacketCipherBenchmarks results)")
if pk:
    print()
    print(f"{'benchmark':48} {'ssh-mux op/s':>12} {'OpenSSL op/s':>12} {'ratio':>6}")
    for name, ours, theirs, r in pk:
        print(f"{name:48} {ours:>12} {theirs:>12} {r:>6}")
for key in ("ops:ed25519:sign", "ops:ed25519:verify", "ops:x25519"):
    if ref.get(key):
        print(f"OpenSSL {key[4:]}: {ref[key]:.0f} op/s")
PY
