using System.Diagnostics;
using System.Security.Cryptography;
using SshMux.Interop.Tests.Harness;
using Xunit.Abstractions;

namespace SshMux.Interop.Tests.Relay;

/// <summary>sftp and scp through serve: the sftp subsystem and scp's exec channel, checked by SHA-256.</summary>
[Collection(RelayTestGroup.Name)]
public class RelayFileTransferTests(ITestOutputHelper output)
{
    private readonly InteropRun _run = new(output);

    /// <summary>sftp -b: put a 100 MB random file, get it back; the upload and the download match the original.</summary>
    [PeerFact(Peers.Sshd, Peers.Ssh, Peers.SshKeygen, "sftp")]
    public Task SftpPutAndGetHundredMegabytes() => _run.RunAsync(async ct =>
    {
        await using var rig = await RelayRig.StartAsync(_run);
        var original = rig.Work.File("original.bin");
        var uploaded = rig.Work.File("uploaded.bin");
        var downloaded = rig.Work.File("downloaded.bin");
        var hash = await WriteRandomFileAsync(original, 100 * 1024 * 1024, ct);
        var batch = rig.Work.File("batch");
        await File.WriteAllTextAsync(batch, $"put {original} {uploaded}\nget {uploaded} {downloaded}\n", ct);

        var clock = Stopwatch.StartNew();
        var sftp = await rig.ClientAsync("sftp", ["-b", batch, "-P", Port(rig), rig.Target], TimeSpan.FromSeconds(240));
        output.WriteLine($"sftp put and get of 100 MB through serve: {clock.Elapsed.TotalSeconds:0.0} s");

        Assert.True(sftp.ExitCode == 0, sftp.ToString());
        Assert.Equal(hash, await HashFileAsync(uploaded, ct));
        Assert.Equal(hash, await HashFileAsync(downloaded, ct));
    }, TimeSpan.FromSeconds(300));

    /// <summary>
    /// scp up and down, with OpenSSH 9's default SFTP protocol and with -O, the legacy
    /// protocol (an exec channel running "scp -t" / "scp -f" remotely).
    /// </summary>
    [PeerTheory(Peers.Sshd, Peers.Ssh, Peers.SshKeygen, "scp")]
    [InlineData(false)]
    [InlineData(true)]
    public Task ScpBothWays(bool legacyProtocol) => _run.RunAsync(async ct =>
    {
        await using var rig = await RelayRig.StartAsync(_run);
        var original = rig.Work.File("original.bin");
        var uploaded = rig.Work.File("uploaded.bin");
        var downloaded = rig.Work.File("downloaded.bin");
        var hash = await WriteRandomFileAsync(original, 20 * 1024 * 1024, ct);
        string[] mode = legacyProtocol ? ["-O"] : [];

        var clock = Stopwatch.StartNew();
        var up = await rig.ClientAsync("scp", [.. mode, "-P", Port(rig), original, $"{rig.Target}:{uploaded}"]);
        output.WriteLine($"scp{(legacyProtocol ? " -O" : string.Empty)} of 20 MB up through serve: {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.True(up.ExitCode == 0, "scp up: " + up);
        Assert.Equal(hash, await HashFileAsync(uploaded, ct));

        clock.Restart();
        var down = await rig.ClientAsync("scp", [.. mode, "-P", Port(rig), $"{rig.Target}:{uploaded}", downloaded]);
        output.WriteLine($"scp{(legacyProtocol ? " -O" : string.Empty)} of 20 MB down through serve: {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.True(down.ExitCode == 0, "scp down: " + down);
        Assert.Equal(hash, await HashFileAsync(downloaded, ct));
    }, TimeSpan.FromSeconds(180));

    private static string Port(RelayRig rig) => rig.Serve.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Writes random bytes in 1 MB pieces and returns their SHA-256 (hex).</summary>
    internal static async Task<string> WriteRandomFileAsync(string path, int length, CancellationToken cancellationToken)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1024 * 1024];
        await using var file = File.Create(path);
        for (var written = 0; written < length; written += buffer.Length)
        {
            RandomNumberGenerator.Fill(buffer);
            sha.AppendData(buffer);
            await file.WriteAsync(buffer, cancellationToken);
        }

        return Convert.ToHexString(sha.GetHashAndReset());
    }

    internal static async Task<string> HashFileAsync(string path, CancellationToken cancellationToken)
    {
        Assert.True(File.Exists(path), path + " was not written");
        await using var file = File.OpenRead(path);
        return Convert.ToHexString(await SHA256.HashDataAsync(file, cancellationToken));
    }
}
