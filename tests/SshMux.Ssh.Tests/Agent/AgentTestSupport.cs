using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using SshMux.Ssh.Tests.Keys;
using SshMux.Ssh.Wire;

namespace SshMux.Ssh.Tests.Agent;

/// <summary>
/// The OpenSSH agent tools. Tests that need them use <see cref="SshAgentFactAttribute"/> /
/// <see cref="SshAgentTheoryAttribute"/>: skipped when a tool is missing, except under CI=true
/// where they run and fail.
/// </summary>
internal static class AgentTools
{
    public static readonly string? SshAgent = Find("ssh-agent");
    public static readonly string? SshAdd = Find("ssh-add");

    public static bool Available => SshAgent is not null && SshAdd is not null && SshKeygen.Path is not null;

    public static bool MustRun => Available || Environment.GetEnvironmentVariable("CI") == "true";

    public static void Require()
    {
        if (!Available)
        {
            throw new InvalidOperationException("ssh-agent, ssh-add and ssh-keygen are required (install openssh-client); CI=true requires them");
        }
    }

    /// <summary>Runs a program to completion with SSH_AUTH_SOCK set; returns (exit code, stdout, stderr).</summary>
    public static (int ExitCode, string Output, string Error) Run(string program, string? socket, string? input, params string[] arguments)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        if (socket is not null)
        {
            start.Environment["SSH_AUTH_SOCK"] = socket;
        }

        // ssh-add must never try to ask for a passphrase on a terminal or through askpass.
        start.Environment.Remove("DISPLAY");
        start.Environment.Remove("SSH_ASKPASS");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            process.StandardInput.Write(input);
        }

        process.StandardInput.Close();
        if (!process.WaitForExit(TimeSpan.FromMinutes(1)))
        {
            process.Kill();
            throw new TimeoutException(program + " " + string.Join(' ', arguments) + " did not finish");
        }

        return (process.ExitCode, output.Result, error.Result);
    }

    private static string? Find(string name)
    {
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator).Append("/usr/bin"))
        {
            var candidate = Path.Combine(directory, name);
            if (directory.Length > 0 && File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}

public sealed class SshAgentFactAttribute : FactAttribute
{
    public SshAgentFactAttribute()
    {
        // A missing ssh-agent, ssh-add or ssh-keygen fails the test rather than skipping it.
    }
}

public sealed class SshAgentTheoryAttribute : TheoryAttribute
{
    public SshAgentTheoryAttribute()
    {
        // A missing ssh-agent, ssh-add or ssh-keygen fails the test rather than skipping it.
    }
}

/// <summary>A real OpenSSH ssh-agent in the foreground (-D) on a socket in a temp directory; killed on dispose.</summary>
internal sealed class RealAgent : IDisposable
{
    private readonly Process _process;

    public RealAgent(string directory)
    {
        AgentTools.Require();
        SocketPath = Path.Combine(directory, "agent.sock");
        var start = new ProcessStartInfo(AgentTools.SshAgent!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-D");
        start.ArgumentList.Add("-a");
        start.ArgumentList.Add(SocketPath);
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        // The socket file appears at bind(), before listen(): wait until a connection is accepted.
        var deadline = Environment.TickCount64 + 10_000;
        while (!Accepts(SocketPath))
        {
            if (_process.HasExited || Environment.TickCount64 > deadline)
            {
                Dispose();
                throw new InvalidOperationException($"ssh-agent did not create {SocketPath}");
            }

            Thread.Sleep(5);
        }
    }

    public string SocketPath { get; }

    private static bool Accepts(string path)
    {
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public void Add(string privateKeyPath) => Check(AgentTools.SshAdd!, "-q", privateKeyPath);

    public void Remove(string publicKeyPath) => Check(AgentTools.SshAdd!, "-q", "-d", publicKeyPath);

    /// <summary>ssh-add -l: one "BITS FINGERPRINT COMMENT (TYPE)" line per key.</summary>
    public string[] ListWithSshAdd() => Check(AgentTools.SshAdd!, "-l").Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private string Check(string program, params string[] arguments)
    {
        var (exitCode, output, error) = AgentTools.Run(program, SocketPath, null, arguments);
        Assert.True(exitCode == 0, $"{program} {string.Join(' ', arguments)} failed ({exitCode}): {error}");
        return output;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
    }
}

/// <summary>
/// A scripted agent on a Unix socket: every accepted connection runs <c>handler</c>, which
/// reads requests and writes whatever replies (or non-replies) the test wants.
/// </summary>
internal sealed class FakeAgent : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;
    private readonly List<Task> _connections = [];
    private int _connectionCount;

    public FakeAgent(string directory, Func<Stream, CancellationToken, Task> handler)
    {
        Path = System.IO.Path.Combine(directory, "fake-agent.sock");
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(Path));
        _listener.Listen(8);
        _acceptLoop = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                Socket socket;
                try
                {
                    socket = await _listener.AcceptAsync(_stop.Token);
                }
                catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
                {
                    return;
                }

                Interlocked.Increment(ref _connectionCount);
                lock (_connections)
                {
                    _connections.Add(Task.Run(async () =>
                    {
                        await using var stream = new NetworkStream(socket, ownsSocket: true);
                        try
                        {
                            await handler(stream, _stop.Token);
                        }
                        catch (Exception e) when (e is OperationCanceledException or IOException or EndOfStreamException)
                        {
                        }
                    }));
                }
            }
        });
    }

    public string Path { get; }

    public int ConnectionCount => Volatile.Read(ref _connectionCount);

    /// <summary>Reads one framed request; null at a clean end of stream.</summary>
    public static async Task<(byte Type, byte[] Body)?> ReadRequestAsync(Stream stream, CancellationToken cancellationToken)
    {
        var header = new byte[4];
        if (await stream.ReadAtLeastAsync(header, 4, throwOnEndOfStream: false, cancellationToken) < 4)
        {
            return null;
        }

        var message = new byte[BinaryPrimitives.ReadUInt32BigEndian(header)];
        await stream.ReadExactlyAsync(message, cancellationToken);
        return (message[0], message[1..]);
    }

    /// <summary>Writes a framed message: uint32 length, type, body.</summary>
    public static async Task WriteMessageAsync(Stream stream, byte type, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        var frame = new byte[5 + body.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)(1 + body.Length));
        frame[4] = type;
        body.Span.CopyTo(frame.AsSpan(5));
        await stream.WriteAsync(frame, cancellationToken);
    }

    /// <summary>The body of an SSH_AGENT_IDENTITIES_ANSWER (after the type byte).</summary>
    public static byte[] IdentitiesBody(params (byte[] Blob, string Comment)[] keys)
    {
        using var writer = new SshWriter();
        writer.WriteUInt32((uint)keys.Length);
        foreach (var (blob, comment) in keys)
        {
            writer.WriteBinary(blob);
            writer.WriteString(comment);
        }

        return writer.ToArray();
    }

    /// <summary>The parts of an SSH_AGENTC_SIGN_REQUEST body.</summary>
    public static (byte[] KeyBlob, byte[] Data, uint Flags) ParseSignRequest(byte[] body)
    {
        var reader = new SshReader(body);
        var blob = reader.ReadBinaryArray("key blob");
        var data = reader.ReadBinaryArray("data");
        var flags = reader.ReadUInt32("flags");
        reader.EnsureEnd("sign request");
        return (blob, data, flags);
    }

    /// <summary>string signature: the body of SSH_AGENT_SIGN_RESPONSE.</summary>
    public static byte[] SignResponseBody(byte[] signatureBlob)
    {
        using var writer = new SshWriter();
        writer.WriteBinary(signatureBlob);
        return writer.ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        await _acceptLoop;
        Task[] connections;
        lock (_connections)
        {
            connections = [.. _connections];
        }

        await Task.WhenAll(connections);
        _stop.Dispose();
    }
}

/// <summary>Verifies a signature with OpenSSH's own code: ssh-keygen -Y check-novalidate on an SSHSIG envelope (PROTOCOL.sshsig).</summary>
internal static class SshSig
{
    public const string Namespace = "ssh-mux-agent-test";

    /// <summary>The data an SSHSIG signer signs for <paramref name="message"/> (magic, namespace, reserved, hash name, hash).</summary>
    public static byte[] SignedData(byte[] message)
    {
        using var writer = new SshWriter();
        writer.WriteRaw("SSHSIG"u8);
        writer.WriteString(Namespace);
        writer.WriteString(string.Empty);
        writer.WriteString("sha512");
        writer.WriteBinary(SHA512.HashData(message));
        return writer.ToArray();
    }

    /// <summary>Runs ssh-keygen -Y check-novalidate; true when OpenSSH accepts the signature for <paramref name="message"/>.</summary>
    public static bool Check(string directory, byte[] publicKeyBlob, byte[] signatureBlob, string message)
    {
        using var envelope = new SshWriter();
        envelope.WriteRaw("SSHSIG"u8);
        envelope.WriteUInt32(1);
        envelope.WriteBinary(publicKeyBlob);
        envelope.WriteString(Namespace);
        envelope.WriteString(string.Empty);
        envelope.WriteString("sha512");
        envelope.WriteBinary(signatureBlob);

        var base64 = Convert.ToBase64String(envelope.ToArray());
        var armor = new StringBuilder("-----BEGIN SSH SIGNATURE-----\n");
        for (var i = 0; i < base64.Length; i += 70)
        {
            armor.Append(base64.AsSpan(i, Math.Min(70, base64.Length - i))).Append('\n');
        }

        armor.Append("-----END SSH SIGNATURE-----\n");
        var path = Path.Combine(directory, $"sig-{Guid.NewGuid():N}.sig");
        File.WriteAllText(path, armor.ToString());
        var result = SshKeygen.RunWithInput(message, "-Y", "check-novalidate", "-n", Namespace, "-s", path);
        return result.ExitCode == 0;
    }
}
