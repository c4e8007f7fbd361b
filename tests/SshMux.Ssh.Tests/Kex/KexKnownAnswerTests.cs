using SshMux.Ssh.Tests.Vectors;
using SshMux.Ssh.Wire;

namespace SshMux.Ssh.Tests.Kex;

/// <summary>
/// Exchanges from fixed ephemeral keys against K and H computed independently by
/// Vectors/kex_vectors.py (python cryptography and plain integers).
/// </summary>
public class KexKnownAnswerTests
{
    public static TheoryData<string> Methods => [.. KexVectors.All.Select(v => v.Method)];

    [Theory]
    [MemberData(nameof(Methods))]
    public async Task ExchangeMatchesTheIndependentVector(string method)
    {
        var v = KexVectors.All.Single(x => x.Method == method);
        string? moduliPath = null;
        if (v.ModuliLine.Length > 0)
        {
            moduliPath = Path.GetTempFileName();
            await File.WriteAllTextAsync(moduliPath, "# Time Type Tests Tries Size Generator Modulus\n" + v.ModuliLine + "\n");
        }

        try
        {
            using var hostKey = TestEcdsaPrivateKey.FromPrivateScalar(Convert.FromHexString(KexVectors.HostKeyPrivate));
            Assert.Equal(KexVectors.HostKeyBlob, Convert.ToHexStringLower(hostKey.PublicKey.Blob.Span));

            var setup = new KexSetup
            {
                HostKey = hostKey,
                ClientVersion = "SSH-2.0-SshMux_KAT_client"u8.ToArray(),
                ServerVersion = "SSH-2.0-SshMux_KAT_server"u8.ToArray(),
                ClientKexInit = Convert.FromHexString(v.ClientKexInit),
                ServerKexInit = Convert.FromHexString(v.ServerKexInit),
                GexMin = 2048,
                GexPreferred = 3072,
                GexMax = 8192,
            };
            Assert.Equal(KexVectors.ClientVersion, System.Text.Encoding.ASCII.GetString(setup.ClientVersion));
            Assert.Equal(KexVectors.ServerVersion, System.Text.Encoding.ASCII.GetString(setup.ServerVersion));

            var (client, server, run) = await KexHarness.RunSuccessfullyAsync(
                TestMethods.Create(method, Convert.FromHexString(v.ClientPrivate)),
                TestMethods.Create(method, Convert.FromHexString(v.ServerPrivate), moduliPath),
                setup);
            using (client)
            using (server)
            {
                Assert.Equal(v.ClientPublic, Convert.ToHexStringLower(PublicValueField(run.ToServer[^1])));
                Assert.Equal(v.ServerPublic, Convert.ToHexStringLower(ServerPublicField(method, run.ToClient[^1])));
                Assert.Equal(v.SharedSecret, Convert.ToHexStringLower(client.SharedSecret));
                Assert.Equal(v.SharedSecret, Convert.ToHexStringLower(server.SharedSecret));
                Assert.Equal(v.ExchangeHash, Convert.ToHexStringLower(client.ExchangeHash));
                Assert.Equal(v.ExchangeHash, Convert.ToHexStringLower(server.ExchangeHash));
            }
        }
        finally
        {
            if (moduliPath is not null)
            {
                File.Delete(moduliPath);
            }
        }
    }

    /// <summary>The client's init message after its number: string Q_C or mpint e, as the vector records it.</summary>
    private static ReadOnlySpan<byte> PublicValueField(byte[] init) => init.AsSpan(1);

    /// <summary>The reply's Q_S / f field in wire form (with its length), skipping K_S.</summary>
    private static byte[] ServerPublicField(string method, byte[] reply)
    {
        var r = new SshReader(reply);
        r.Skip(1);
        r.ReadBinary("K_S");
        var start = r.Position;
        if (method.StartsWith("curve25519", StringComparison.Ordinal) || method.StartsWith("ecdh", StringComparison.Ordinal))
        {
            r.ReadBinary("Q_S");
        }
        else
        {
            r.ReadMPIntBytes("f");
        }

        var field = reply[start..r.Position];
        r.ReadBinary("signature");
        r.EnsureEnd("reply");
        return field;
    }
}
