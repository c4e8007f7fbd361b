using SshMux.Ssh.Wire;

namespace SshMux.Ssh.Connection;

/// <summary>Encoders and decoders for the type-specific data of session requests (RFC 4254 section 6).</summary>
public static class SessionRequests
{
    public const string PtyReq = "pty-req";
    public const string Env = "env";
    public const string Shell = "shell";
    public const string Exec = "exec";
    public const string Subsystem = "subsystem";
    public const string WindowChange = "window-change";
    public const string Signal = "signal";
    public const string Break = "break";
    public const string ExitStatus = "exit-status";
    public const string ExitSignal = "exit-signal";
    public const string EndOfWrite = "eow@openssh.com";
    public const string X11Req = "x11-req";
    public const string AgentForwarding = "auth-agent-req@openssh.com";

    /// <summary>exec: string command (raw bytes: a command line need not be UTF-8).</summary>
    public static byte[] EncodeExec(string command)
    {
        using var w = new SshWriter();
        w.WriteString(command);
        return w.ToArray();
    }

    public static string DecodeString(ReadOnlySpan<byte> data, string what)
    {
        var r = new SshReader(data);
        var value = r.ReadString(what);
        r.EnsureEnd(what + " request");
        return value;
    }

    public static byte[] EncodeSubsystem(string name) => EncodeExec(name);

    public static byte[] EncodeExitStatus(uint status) => [(byte)(status >> 24), (byte)(status >> 16), (byte)(status >> 8), (byte)status];

    public static uint DecodeExitStatus(ReadOnlySpan<byte> data)
    {
        var r = new SshReader(data);
        var status = r.ReadUInt32("exit status");
        r.EnsureEnd("exit-status request");
        return status;
    }

    /// <summary>pty-req (RFC 4254 section 6.2): TERM, size in characters and pixels, encoded terminal modes.</summary>
    public static byte[] EncodePtyRequest(string term, uint columns, uint rows, uint widthPixels, uint heightPixels, ReadOnlySpan<byte> modes)
    {
        using var w = new SshWriter();
        w.WriteString(term).WriteUInt32(columns).WriteUInt32(rows).WriteUInt32(widthPixels).WriteUInt32(heightPixels).WriteBinary(modes);
        return w.ToArray();
    }

    public static byte[] EncodeWindowChange(uint columns, uint rows, uint widthPixels, uint heightPixels)
    {
        using var w = new SshWriter();
        w.WriteUInt32(columns).WriteUInt32(rows).WriteUInt32(widthPixels).WriteUInt32(heightPixels);
        return w.ToArray();
    }

    public static byte[] EncodeEnv(string name, string value)
    {
        using var w = new SshWriter();
        w.WriteString(name).WriteString(value);
        return w.ToArray();
    }

    public static (string Name, string Value) DecodeEnv(ReadOnlySpan<byte> data)
    {
        var r = new SshReader(data);
        var name = r.ReadString("variable name");
        var value = r.ReadString("variable value");
        r.EnsureEnd("env request");
        return (name, value);
    }

    /// <summary>exit-signal (RFC 4254 section 6.10): signal name without "SIG", core dumped, message, language.</summary>
    public static byte[] EncodeExitSignal(string signal, bool coreDumped, string message)
    {
        using var w = new SshWriter();
        w.WriteString(signal).WriteBoolean(coreDumped).WriteString(message).WriteString(string.Empty);
        return w.ToArray();
    }

    /// <summary>direct-tcpip / forwarded-tcpip open data (RFC 4254 sections 7.1, 7.2).</summary>
    public static byte[] EncodeTcpip(string host, uint port, string originatorAddress, uint originatorPort)
    {
        using var w = new SshWriter();
        w.WriteString(host).WriteUInt32(port).WriteString(originatorAddress).WriteUInt32(originatorPort);
        return w.ToArray();
    }

    public static (string Host, uint Port, string OriginatorAddress, uint OriginatorPort) DecodeTcpip(ReadOnlySpan<byte> data)
    {
        var r = new SshReader(data);
        var host = r.ReadString("host to connect");
        var port = r.ReadUInt32("port to connect");
        var originator = r.ReadString("originator address");
        var originatorPort = r.ReadUInt32("originator port");
        r.EnsureEnd("direct-tcpip open");
        return (host, port, originator, originatorPort);
    }
}
