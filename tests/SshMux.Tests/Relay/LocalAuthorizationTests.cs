using SshMux.Paths;
using SshMux.Relay;
using SshMux.Ssh.Auth;
using SshMux.Ssh.Keys;

namespace SshMux.Tests.Relay;

/// <summary>What serve allows when --trusted-user-ca-keys is given (the certificates themselves are tested with ssh in ServeTrustFlagsTests).</summary>
public class LocalAuthorizationTests
{
    [Fact]
    public void TrustedCasWithoutAnAuthorizedKeysFileAllowNoPlainPubKey()
    {
        var directory = Directory.CreateTempSubdirectory("sshmux-authz-");
        try
        {
            using var user = SshPrivateKey.Generate("ssh-ed25519");
            using var ca = SshPrivateKey.Generate("ssh-ed25519");
            File.WriteAllText(Path.Combine(directory.FullName, "id_ed25519.pub"), SshPublicKeyLine.Format(user.PublicKey, "user") + "\n");
            var log = new List<string>();

            var withoutCa = LocalServer.LoadAuthorizedKeys(new SshDirectory(directory.FullName), (_, m) => log.Add(m));
            Assert.IsType<PublicKeyListAuthenticator>(withoutCa.ForClient(null));

            log.Clear();
            var withCa = LocalServer.LoadAuthorizedKeys(new SshDirectory(directory.FullName), (_, m) => log.Add(m), trustedUserCaKeys: [ca.PublicKey]);
            var authenticator = Assert.IsType<AuthorizedKeysAuthenticator>(withCa.ForClient(null));
            Assert.Equal([ca.PublicKey.GetSha256Fingerprint()], authenticator.Options.TrustedUserCaKeys.Select(k => k.GetSha256Fingerprint()));
            Assert.Contains(log, l => l.Contains("Accepting user certificates signed by " + ca.PublicKey.GetSha256Fingerprint(), StringComparison.Ordinal));
            Assert.DoesNotContain(log, l => l.Contains("*.pub", StringComparison.Ordinal));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
