using BenchmarkDotNet.Attributes;
using SshMux.Ssh.Crypto;

namespace SshMux.Bench;

/// <summary>
/// The curve25519 operations of an SSH handshake: one X25519 shared secret (curve25519-sha256 kex),
/// one Ed25519 host-key signature on the server, one verification on the client. Compare with
/// `openssl speed ed25519 ecdhx25519` on the same machine.
/// </summary>
[MemoryDiagnoser]
public class CurveBenchmarks
{
    private readonly byte[] _scalar = new byte[32];
    private readonly byte[] _peerPublic = new byte[32];
    private readonly byte[] _shared = new byte[32];
    private readonly byte[] _seed = new byte[32];
    private readonly byte[] _publicKey = new byte[32];
    private readonly byte[] _message = new byte[64];
    private readonly byte[] _signature = new byte[64];

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(25519);
        rng.NextBytes(_scalar);
        rng.NextBytes(_seed);
        rng.NextBytes(_message);
        var peerPrivate = new byte[32];
        rng.NextBytes(peerPrivate);
        X25519.ScalarMultBase(peerPrivate, _peerPublic);
        Ed25519.PublicKeyFromSeed(_seed, _publicKey);
        Ed25519.Sign(_seed, _publicKey, _message, _signature);
    }

    [Benchmark]
    public bool X25519SharedSecret() => X25519.TryScalarMult(_scalar, _peerPublic, _shared);

    [Benchmark]
    public void X25519PublicKey() => X25519.ScalarMultBase(_scalar, _shared);

    [Benchmark]
    public void Ed25519Sign() => Ed25519.Sign(_seed, _publicKey, _message, _signature);

    [Benchmark]
    public bool Ed25519Verify() => Ed25519.Verify(_publicKey, _message, _signature);
}
