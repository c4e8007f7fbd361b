#!/usr/bin/python3
"""Known-answer vectors for the ssh-mux key exchange methods.

Computes, from fixed inputs, the ephemeral public values, the shared secret K (as an
SSH mpint) and the exchange hash H of curve25519-sha256 (RFC 8731), ecdh-sha2-nistp256 and
-nistp521 (RFC 5656), diffie-hellman-group14-sha256 (RFC 8268 / RFC 4253 section 8) and
diffie-hellman-group-exchange-sha256 (RFC 4419) independently of the C# code, using the
`cryptography` module for the curves and Python integers for finite-field DH.

Run:  /usr/bin/python3 tests/SshMux.Ssh.Tests/Vectors/kex_vectors.py
It rewrites KexVectors.g.cs next to this script.
"""
import hashlib
import os
import struct

from cryptography.hazmat.primitives.asymmetric import ec, x25519
from cryptography.hazmat.primitives import serialization


def u32(v):
    return struct.pack(">I", v)


def string(b):
    return u32(len(b)) + b


def mpint(v):
    if v == 0:
        return u32(0)
    raw = v.to_bytes((v.bit_length() + 8) // 8, "big")  # room for a sign byte
    if raw[0] == 0 and len(raw) > 1 and raw[1] < 0x80:
        raw = raw[1:]
    return string(raw)


def seed(label, n):
    """Deterministic 'random' bytes so the vectors are reproducible."""
    out = b""
    counter = 0
    while len(out) < n:
        out += hashlib.sha256(f"ssh-mux kex vector {label} {counter}".encode()).digest()
        counter += 1
    return out[:n]


def name_list(names):
    return string(",".join(names).encode())


def kexinit(cookie_label, kex):
    return (bytes([20]) + seed(cookie_label, 16) + name_list(kex)
            + name_list(["ecdsa-sha2-nistp256"])
            + name_list(["aes128-ctr"]) * 2 + name_list(["hmac-sha2-256"]) * 2
            + name_list(["none"]) * 2 + name_list([]) * 2 + b"\x00" + u32(0))


V_C = b"SSH-2.0-SshMux_KAT_client"
V_S = b"SSH-2.0-SshMux_KAT_server"

# The host key: ECDSA nistp256 with a fixed private scalar; K_S is its RFC 5656 section 3.1 blob.
HOST_D = int.from_bytes(seed("host key", 32), "big") % (2**255)
host_key = ec.derive_private_key(HOST_D, ec.SECP256R1())
host_q = host_key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
K_S = string(b"ecdsa-sha2-nistp256") + string(b"nistp256") + string(host_q)

# RFC 3526 section 3 (2048-bit) and section 4 (3072-bit) primes, rebuilt from their definition
# p = 2^n - 2^(n-64) - 1 + 2^64 * (floor(2^(n-130) * pi) + k).
def _atan_inv(x, one):
    s = t = one // x
    x2, n, sign = x * x, 1, -1
    while t:
        t //= x2
        n += 2
        s += sign * (t // n)
        sign = -sign
    return s


def rfc3526_prime(n, k):
    one = 1 << (n - 130 + 64)
    pi = (16 * _atan_inv(5, one) - 4 * _atan_inv(239, one)) >> 64
    return 2**n - 2**(n - 64) - 1 + 2**64 * (pi + k)


P2048 = rfc3526_prime(2048, 124476)
P3072 = rfc3526_prime(3072, 1690314)


def exponent(label, bits):
    x = int.from_bytes(seed(label, bits // 8), "big")
    return x | (1 << (bits - 1))


def ecdh_vector(method, curve, field, hash_fn):
    i_c, i_s = kexinit(method + " I_C", [method]), kexinit(method + " I_S", [method])
    # Scalars with a zero top byte stay below the group order of both curves.
    bound = 2 ** (8 * field - 8)
    d_c = int.from_bytes(seed(method + " client", field), "big") % bound
    d_s = int.from_bytes(seed(method + " server", field), "big") % bound
    kc, ks = ec.derive_private_key(d_c, curve), ec.derive_private_key(d_s, curve)
    enc = lambda k: k.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    q_c, q_s = enc(kc), enc(ks)
    x = kc.exchange(ec.ECDH(), ks.public_key())
    assert x == ks.exchange(ec.ECDH(), kc.public_key())
    k = mpint(int.from_bytes(x, "big"))
    h = hash_fn(string(V_C) + string(V_S) + string(i_c) + string(i_s) + string(K_S)
                + string(q_c) + string(q_s) + k).digest()
    return dict(Method=method, ClientKexInit=i_c, ServerKexInit=i_s,
                ClientPrivate=d_c.to_bytes(field, "big"), ServerPrivate=d_s.to_bytes(field, "big"),
                ClientPublic=string(q_c), ServerPublic=string(q_s), SharedSecret=k, ExchangeHash=h)


def curve25519_vector():
    method = "curve25519-sha256"
    i_c, i_s = kexinit(method + " I_C", [method]), kexinit(method + " I_S", [method])
    a, b = seed("curve25519 client", 32), seed("curve25519 server", 32)
    ka, kb = x25519.X25519PrivateKey.from_private_bytes(a), x25519.X25519PrivateKey.from_private_bytes(b)
    raw = lambda k: k.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    q_c, q_s = raw(ka), raw(kb)
    shared = ka.exchange(kb.public_key())
    assert shared == kb.exchange(ka.public_key())
    # RFC 8731 section 3.1: the 32 output bytes read as an unsigned big-endian integer.
    k = mpint(int.from_bytes(shared, "big"))
    h = hashlib.sha256(string(V_C) + string(V_S) + string(i_c) + string(i_s) + string(K_S)
                       + string(q_c) + string(q_s) + k).digest()
    return dict(Method=method, ClientKexInit=i_c, ServerKexInit=i_s, ClientPrivate=a, ServerPrivate=b,
                ClientPublic=string(q_c), ServerPublic=string(q_s), SharedSecret=k, ExchangeHash=h)


def group14_vector():
    method = "diffie-hellman-group14-sha256"
    i_c, i_s = kexinit(method + " I_C", [method]), kexinit(method + " I_S", [method])
    x, y = exponent("group14 client", 224), exponent("group14 server", 224)
    e, f = pow(2, x, P2048), pow(2, y, P2048)
    kk = pow(f, x, P2048)
    assert kk == pow(e, y, P2048)
    k = mpint(kk)
    h = hashlib.sha256(string(V_C) + string(V_S) + string(i_c) + string(i_s) + string(K_S)
                       + mpint(e) + mpint(f) + k).digest()
    return dict(Method=method, ClientKexInit=i_c, ServerKexInit=i_s,
                ClientPrivate=x.to_bytes(28, "big"), ServerPrivate=y.to_bytes(28, "big"),
                ClientPublic=mpint(e), ServerPublic=mpint(f), SharedSecret=k, ExchangeHash=h)


def gex_vector():
    method = "diffie-hellman-group-exchange-sha256"
    i_c, i_s = kexinit(method + " I_C", [method]), kexinit(method + " I_S", [method])
    mn, n, mx = 2048, 3072, 8192
    p, g = P3072, 2
    moduli_line = f"20240101000000 2 6 100 {p.bit_length() - 1} {g:X} {p:X}"
    x, y = exponent("gex client", 256), exponent("gex server", 256)
    e, f = pow(g, x, p), pow(g, y, p)
    kk = pow(f, x, p)
    assert kk == pow(e, y, p)
    k = mpint(kk)
    h = hashlib.sha256(string(V_C) + string(V_S) + string(i_c) + string(i_s) + string(K_S)
                       + u32(mn) + u32(n) + u32(mx) + mpint(p) + mpint(g)
                       + mpint(e) + mpint(f) + k).digest()
    return dict(Method=method, ClientKexInit=i_c, ServerKexInit=i_s,
                ClientPrivate=x.to_bytes(32, "big"), ServerPrivate=y.to_bytes(32, "big"),
                ClientPublic=mpint(e), ServerPublic=mpint(f), SharedSecret=k, ExchangeHash=h,
                ModuliLine=moduli_line.encode())


def emit(vectors):
    out = ["// <auto-generated>",
           "// Generated by kex_vectors.py in this folder; do not edit. Regenerate with:",
           "//   /usr/bin/python3 tests/SshMux.Ssh.Tests/Vectors/kex_vectors.py",
           "// </auto-generated>",
           "namespace SshMux.Ssh.Tests.Vectors;",
           "",
           "internal static class KexVectors",
           "{",
           f'    public const string ClientVersion = "{V_C.decode()}";',
           f'    public const string ServerVersion = "{V_S.decode()}";',
           f'    public const string HostKeyPrivate = "{HOST_D.to_bytes(32, "big").hex()}";',
           f'    public const string HostKeyBlob = "{K_S.hex()}";',
           "",
           "    public static readonly KexVector[] All =",
           "    ["]
    for v in vectors:
        out.append("        new(")
        fields = ["Method", "ClientKexInit", "ServerKexInit", "ClientPrivate", "ServerPrivate",
                  "ClientPublic", "ServerPublic", "SharedSecret", "ExchangeHash", "ModuliLine"]
        parts = []
        for name in fields:
            value = v.get(name, b"")
            text = value if isinstance(value, str) else value.hex() if name != "ModuliLine" else value.decode()
            parts.append(f'            {name}: "{text}"')
        out.append(",\n".join(parts) + "),")
    out += ["    ];", "}", "",
            "/// <summary>Hex fields; ClientPublic/ServerPublic are the wire encodings (string Q or mpint e/f).</summary>",
            "internal sealed record KexVector(string Method, string ClientKexInit, string ServerKexInit, string ClientPrivate,",
            "    string ServerPrivate, string ClientPublic, string ServerPublic, string SharedSecret, string ExchangeHash, string ModuliLine);",
            ""]
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "KexVectors.g.cs")
    with open(path, "w") as fh:
        fh.write("\n".join(out))


if __name__ == "__main__":
    emit([curve25519_vector(),
          ecdh_vector("ecdh-sha2-nistp256", ec.SECP256R1(), 32, hashlib.sha256),
          ecdh_vector("ecdh-sha2-nistp521", ec.SECP521R1(), 66, hashlib.sha512),
          group14_vector(),
          gex_vector()])
