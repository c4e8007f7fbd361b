#!/usr/bin/python3
"""Regenerates ssh_keys_python.json: SSH keys, fingerprints, signatures and private key files
written by OpenSSL through the python3 `cryptography` module (Debian: python3-cryptography,
python3-bcrypt for the encrypted OpenSSH files), for tests/SshMux.Ssh.Tests/Keys to read.

It is an implementation independent of both ssh-mux and OpenSSH's ssh-keygen:
fingerprints are computed here with hashlib, signature blobs are assembled here from
RFC 4253 / RFC 5656 / RFC 8332 / RFC 8709.

The keys are deterministic (a fixed PRNG seed picks the Ed25519 seed, the ECDSA scalars
and the RSA primes). ECDSA signatures, checkints, salts and IVs are random, so those
fields change on every run but stay valid.

    /usr/bin/python3 gen_key_vectors.py > ssh_keys_python.json
"""
import base64
import hashlib
import json
import random
import struct
import sys

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

PASSPHRASE = b"correct horse battery staple"
MESSAGE = b"ssh-mux key layer test message"


def ssh_string(data):
    return struct.pack(">I", len(data)) + data


def ssh_mpint(value):
    if value == 0:
        return struct.pack(">I", 0)
    raw = value.to_bytes((value.bit_length() + 8) // 8, "big")  # always room for a sign bit
    if raw[0] == 0 and len(raw) > 1 and raw[1] < 0x80:
        raw = raw[1:]
    return ssh_string(raw)


def is_probable_prime(n, rng):
    if n < 2:
        return False
    for small in (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37):
        if n % small == 0:
            return n == small
    d, r = n - 1, 0
    while d % 2 == 0:
        d //= 2
        r += 1
    for _ in range(40):
        a = rng.randrange(2, n - 1)
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(r - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def prime(bits, rng):
    while True:
        candidate = rng.getrandbits(bits) | (3 << (bits - 2)) | 1
        if is_probable_prime(candidate, rng) and (candidate - 1) % 65537 != 0:
            return candidate


def rsa_key(bits, rng):
    e = 65537
    while True:
        p, q = prime(bits // 2, rng), prime(bits // 2, rng)
        if p != q and (p * q).bit_length() == bits:
            break
    if p < q:
        p, q = q, p
    d = pow(e, -1, (p - 1) * (q - 1))
    public = rsa.RSAPublicNumbers(e, p * q)
    return rsa.RSAPrivateNumbers(
        p, q, d, rsa.rsa_crt_dmp1(d, p), rsa.rsa_crt_dmq1(d, q), rsa.rsa_crt_iqmp(p, q), public
    ).private_key()


def fingerprints(blob):
    sha = base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
    md5 = ":".join("%02x" % b for b in hashlib.md5(blob).digest())
    return "SHA256:" + sha, "MD5:" + md5


def pem(key, fmt, encrypted):
    encryption = serialization.BestAvailableEncryption(PASSPHRASE) if encrypted else serialization.NoEncryption()
    return key.private_bytes(serialization.Encoding.PEM, fmt, encryption).decode()


def entry(name, key, signatures, bits, formats):
    public_line = key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()
    blob = base64.b64decode(public_line.split()[1])
    sha, md5 = fingerprints(blob)
    files = {}
    for label, fmt in formats:
        files[label] = pem(key, fmt, False)
        files[label + "-encrypted"] = pem(key, fmt, True)
    return {
        "name": name,
        "public": public_line + " " + name + "@vectors",
        "bits": bits,
        "sha256": sha,
        "md5": md5,
        "message": MESSAGE.hex(),
        "signatures": signatures,
        "passphrase": PASSPHRASE.decode(),
        "files": files,
    }


def main(out):
    rng = random.Random(0x55484B)
    openssh = ("openssh", serialization.PrivateFormat.OpenSSH)
    pkcs8 = ("pkcs8", serialization.PrivateFormat.PKCS8)
    traditional = ("pem", serialization.PrivateFormat.TraditionalOpenSSL)
    entries = []

    ed = ed25519.Ed25519PrivateKey.from_private_bytes(rng.randbytes(32))
    sig = ssh_string(b"ssh-ed25519") + ssh_string(ed.sign(MESSAGE))
    entries.append(entry("ed25519", ed, {"ssh-ed25519": sig.hex()}, 256, [openssh, pkcs8]))

    for curve, bits, hash_algorithm in ((ec.SECP256R1(), 256, hashes.SHA256()),
                                        (ec.SECP384R1(), 384, hashes.SHA384()),
                                        (ec.SECP521R1(), 521, hashes.SHA512())):
        order_bytes = (bits + 7) // 8 + 8
        key = ec.derive_private_key(int.from_bytes(rng.randbytes(order_bytes), "big") % (2 ** bits - 1) + 1, curve)
        r, s = decode_dss_signature(key.sign(MESSAGE, ec.ECDSA(hash_algorithm)))
        algorithm = "ecdsa-sha2-nistp%d" % bits
        sig = ssh_string(algorithm.encode()) + ssh_string(ssh_mpint(r) + ssh_mpint(s))
        entries.append(entry("ecdsa-%d" % bits, key, {algorithm: sig.hex()}, bits, [openssh, pkcs8, traditional]))

    key = rsa_key(2048, rng)
    signatures = {}
    for algorithm, hash_algorithm in (("rsa-sha2-512", hashes.SHA512()), ("rsa-sha2-256", hashes.SHA256()), ("ssh-rsa", hashes.SHA1())):
        raw = key.sign(MESSAGE, padding.PKCS1v15(), hash_algorithm)
        signatures[algorithm] = (ssh_string(algorithm.encode()) + ssh_string(raw)).hex()
    entries.append(entry("rsa-2048", key, signatures, 2048, [openssh, pkcs8, traditional]))

    json.dump({"comment": "Generated by gen_key_vectors.py from OpenSSL via python3-cryptography; do not edit.",
               "keys": entries}, out, indent=1)
    out.write("\n")


if __name__ == "__main__":
    main(sys.stdout)
