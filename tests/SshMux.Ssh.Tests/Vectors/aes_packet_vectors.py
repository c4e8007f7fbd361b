#!/usr/bin/python3
"""Known-answer vectors for ssh-mux's AES packet ciphers.

Builds SSH binary packets (RFC 4253 section 6) and protects them with an independent
implementation of each construction, using only the primitives of the `cryptography`
module (AES-ECB, AES-GCM, HMAC):

  aesNNN-ctr + hmac-sha2-*          RFC 4344 counter mode (128-bit big-endian counter that
                                    runs on across packets), RFC 6668 MAC over
                                    uint32 seq || plaintext packet
  aesNNN-ctr + hmac-sha2-*-etm      OpenSSH PROTOCOL 1.5: length in the clear, MAC over
                                    uint32 seq || length || ciphertext
  aesNNN-gcm@openssh.com            RFC 5647 / OpenSSH PROTOCOL 1.6: length is the AAD, nonce
                                    = 4-byte fixed field || 8-byte invocation counter + 1 per packet

Counter mode is built here from AES-ECB and Python integers rather than the library's CTR
mode so the counter arithmetic (including the 2^128 wrap) is checked independently.

Packet contents are a fixed byte pattern that the C# tests rebuild:
  payload[j] = (17 * p + 131 * j + 7) mod 256, padding[j] = (5 * p + 29 * j + 90) mod 256
for the p-th packet (from 0) of a case. Output: aes-packet-vectors.json next to this file.

Run: /usr/bin/python3 aes_packet_vectors.py   (needs python3-cryptography)
"""

import hashlib
import hmac as std_hmac  # only used to cross-check the cryptography HMAC below
import json
import os
import struct

from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

BLOCK = 16
PAYLOAD_LENGTHS = [0, 1, 5, 15, 16, 17, 31, 64, 100, 255, 256, 1000, 4096, 9000, 17000]

CTR_CIPHERS = {"aes128-ctr": 16, "aes192-ctr": 24, "aes256-ctr": 32}
GCM_CIPHERS = {"aes128-gcm@openssh.com": 16, "aes256-gcm@openssh.com": 32}
MACS = {
    "hmac-sha2-256": (hashes.SHA256, 32, False),
    "hmac-sha2-512": (hashes.SHA512, 64, False),
    "hmac-sha2-256-etm@openssh.com": (hashes.SHA256, 32, True),
    "hmac-sha2-512-etm@openssh.com": (hashes.SHA512, 64, True),
}


def derive(label, length):
    """Deterministic key material: SHA-256(label || i) blocks concatenated."""
    out = b""
    i = 0
    while len(out) < length:
        out += hashlib.sha256(label.encode() + bytes([i])).digest()
        i += 1
    return out[:length]


def plain_packet(p, payload_length, aad_length):
    """An RFC 4253 section 6 packet with 4..255 bytes of padding, sized to the block."""
    unpadded = 4 + 1 + payload_length - aad_length
    padding = BLOCK - unpadded % BLOCK
    if padding < 4:
        padding += BLOCK
    padding += BLOCK * (p % 3)  # vary the amount of padding beyond the minimum
    payload = bytes((17 * p + 131 * j + 7) % 256 for j in range(payload_length))
    pad = bytes((5 * p + 29 * j + 90) % 256 for j in range(padding))
    packet_length = 1 + payload_length + padding
    return struct.pack(">IB", packet_length, padding) + payload + pad, padding


class Ctr:
    """RFC 4344 section 4 counter mode from raw AES blocks."""

    def __init__(self, key, iv):
        self.ecb = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
        self.counter = int.from_bytes(iv, "big")
        self.stream = b""

    def xor(self, data):
        while len(self.stream) < len(data):
            self.stream += self.ecb.update(self.counter.to_bytes(16, "big"))
            self.counter = (self.counter + 1) % (1 << 128)
        out = bytes(a ^ b for a, b in zip(data, self.stream))
        self.stream = self.stream[len(data):]
        return out


def mac(hash_cls, key, data):
    h = hmac.HMAC(key, hash_cls())
    h.update(data)
    out = h.finalize()
    assert out == std_hmac.new(key, data, hash_cls.name).digest()
    return out


def ctr_case(name, cipher, mac_name, iv=None, seq0=0):
    key = derive(name + " key", CTR_CIPHERS[cipher])
    iv = iv if iv is not None else derive(name + " iv", 16)
    hash_cls, mac_len, etm = MACS[mac_name]
    mac_key = derive(name + " mac", mac_len)
    ctr = Ctr(key, iv)
    packets = []
    for p, n in enumerate(PAYLOAD_LENGTHS):
        seq = (seq0 + p) % (1 << 32)
        plain, padding = plain_packet(p, n, 4 if etm else 0)
        seq_bytes = struct.pack(">I", seq)
        if etm:
            wire = plain[:4] + ctr.xor(plain[4:])
            tag = mac(hash_cls, mac_key, seq_bytes + wire)
        else:
            tag = mac(hash_cls, mac_key, seq_bytes + plain)
            wire = ctr.xor(plain)
        packets.append(record(seq, n, padding, wire, tag))
    return {"name": name, "cipher": cipher, "mac": mac_name, "key": key.hex(), "iv": iv.hex(),
            "macKey": mac_key.hex(), "packets": packets}


def gcm_case(name, cipher, iv=None, seq0=0):
    key = derive(name + " key", GCM_CIPHERS[cipher])
    iv = iv if iv is not None else derive(name + " iv", 12)
    aead = AESGCM(key)
    fixed = iv[:4]
    invocation = int.from_bytes(iv[4:12], "big")
    packets = []
    for p, n in enumerate(PAYLOAD_LENGTHS):
        seq = (seq0 + p) % (1 << 32)
        plain, padding = plain_packet(p, n, 4)
        nonce = fixed + invocation.to_bytes(8, "big")
        sealed = aead.encrypt(nonce, plain[4:], plain[:4])
        wire = plain[:4] + sealed[:-16]
        packets.append(record(seq, n, padding, wire, sealed[-16:]))
        invocation = (invocation + 1) % (1 << 64)
    return {"name": name, "cipher": cipher, "mac": None, "key": key.hex(), "iv": iv.hex(),
            "macKey": "", "packets": packets}


def record(seq, payload_length, padding, wire, tag):
    return {"seq": seq, "payloadLength": payload_length, "paddingLength": padding,
            "tag": tag.hex(), "wireSha256": hashlib.sha256(wire + tag).hexdigest()}


def main():
    cases = []
    for cipher in CTR_CIPHERS:
        for mac_name in MACS:
            cases.append(ctr_case(f"{cipher}+{mac_name}", cipher, mac_name))
    for cipher in GCM_CIPHERS:
        cases.append(gcm_case(cipher, cipher))
    # Counter edge cases: a carry from the low 64 bits into the high 64 bits, the full
    # 2^128 wrap (RFC 4344: the counter is incremented modulo 2^128), the 2^64 wrap of the
    # GCM invocation counter (RFC 5647 section 7.1), and the uint32 sequence number wrap.
    cases.append(ctr_case("carry64:aes128-ctr+hmac-sha2-256", "aes128-ctr", "hmac-sha2-256",
                          iv=bytes.fromhex("0123456789abcdeffffffffffffffffa"), seq0=0xFFFFFFFA))
    cases.append(ctr_case("wrap128:aes256-ctr+hmac-sha2-512-etm@openssh.com", "aes256-ctr",
                          "hmac-sha2-512-etm@openssh.com", iv=b"\xff" * 15 + b"\xf0"))
    cases.append(gcm_case("wrap64:aes128-gcm@openssh.com", "aes128-gcm@openssh.com",
                          iv=bytes.fromhex("a1b2c3d4fffffffffffffffb"), seq0=0xFFFFFFFE))
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "aes-packet-vectors.json")
    with open(out, "w", encoding="ascii") as f:
        json.dump({"generator": "aes_packet_vectors.py", "cases": cases}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
