using SshMux.Interop.Tests.Harness;
using SshMux.Ssh.Transport;

namespace SshMux.Interop.Tests.Dropbear;

/// <summary>
/// ssh-mux's client against a real dropbear. Dropbear cannot be restricted to one algorithm,
/// so our client offers only the one under test; dropbear logs no negotiation details.
/// </summary>
internal static class ClientVsDropbear
{
    public static async Task<(DropbearInstance Dropbear, OurClient Client)> ConnectAsync(InteropRun run, string hostKeyType, Action<SshClientOptions> configure, CancellationToken ct)
    {
        var dropbear = run.Track(await DropbearInstance.StartAsync(hostKeyType));
        try
        {
            return (dropbear, await OurClient.ConnectAsync(dropbear.Port, run, configure, ct));
        }
        catch
        {
            await dropbear.DisposeAsync();
            throw;
        }
    }

    /// <summary>Connects offering only what <paramref name="configure"/> allows, requests ssh-userauth and checks the result.</summary>
    public static async Task HandshakeAsync(InteropRun run, Expected expected, string hostKeyType, Action<SshClientOptions> configure, CancellationToken ct)
    {
        var (dropbear, client) = await ConnectAsync(run, hostKeyType, configure, ct);
        await using (dropbear)
        await using (client)
        {
            var transport = client.Transport;
            await transport.RequestServiceAsync("ssh-userauth", ct);
            InteropAssert.Negotiated(expected, transport.Negotiated);
            InteropAssert.StrictKexAsPeerOffered(transport);
            Assert.StartsWith("SSH-2.0-dropbear", transport.RemoteVersion, StringComparison.Ordinal);
            Assert.Equal(dropbear.HostKeys[0].PublicBlob, transport.HostKey!.Blob.ToArray());
            Assert.Equal(transport.Negotiated!.HostKey, client.Verified.Algorithm);

            // A round trip above the transport: dropbear lists its methods for "none".
            Assert.Contains("password", await UpperLayerProbe.AuthNoneAsync(transport, ct), StringComparison.Ordinal);
        }
    }
}
