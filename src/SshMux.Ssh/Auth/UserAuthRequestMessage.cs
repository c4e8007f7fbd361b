using SshMux.Ssh.Wire;

namespace SshMux.Ssh.Auth;

/// <summary>
/// SSH_MSG_USERAUTH_REQUEST as a server reads it (RFC 4252 section 5 and the method
/// sections). Byte fields are slices of the payload, valid while the message is handled.
/// Requests for methods ssh-mux does not know keep only the common fields.
/// </summary>
internal sealed class UserAuthRequestMessage
{
    public string User { get; private init; } = string.Empty;

    public string Service { get; private init; } = string.Empty;

    public string Method { get; private init; } = string.Empty;

    /// <summary>publickey: a signature follows (FALSE for the query).</summary>
    public bool HasSignature { get; private set; }

    public string Algorithm { get; private set; } = string.Empty;

    public ReadOnlyMemory<byte> KeyBlob { get; private set; }

    /// <summary>publickey-hostbound-v00@openssh.com: the server host key the client signed for.</summary>
    public ReadOnlyMemory<byte> HostKey { get; private set; }

    public ReadOnlyMemory<byte> Signature { get; private set; }

    /// <summary>password: TRUE when the client sends a new password (RFC 4252 section 8).</summary>
    public bool ChangePassword { get; private set; }

    public ReadOnlyMemory<byte> Password { get; private set; }

    /// <summary>keyboard-interactive: the client's submethods hint (RFC 4256 section 3.1).</summary>
    public string Submethods { get; private set; } = string.Empty;

    public static UserAuthRequestMessage Parse(ReadOnlyMemory<byte> payload)
    {
        var reader = new SshReader(payload.Span);
        reader.ReadByte();
        var request = new UserAuthRequestMessage
        {
            User = reader.ReadString("user name"),
            Service = reader.ReadString("service name"),
            Method = reader.ReadAsciiString("method name"),
        };

        switch (request.Method)
        {
            case SshAuthMethods.None:
                break;
            case SshAuthMethods.PublicKey or SshAuthMethods.PublicKeyHostBound:
                request.HasSignature = reader.ReadBoolean("has signature");
                request.Algorithm = reader.ReadAsciiString("public key algorithm");
                request.KeyBlob = Slice(payload, ref reader, "public key blob");
                if (request.Method == SshAuthMethods.PublicKeyHostBound)
                {
                    request.HostKey = Slice(payload, ref reader, "server host key");
                }

                if (request.HasSignature)
                {
                    request.Signature = Slice(payload, ref reader, "signature");
                }

                break;
            case SshAuthMethods.Password:
                request.ChangePassword = reader.ReadBoolean("password change");
                request.Password = Slice(payload, ref reader, "password");
                if (request.ChangePassword)
                {
                    // The new password is not used: ssh-mux refuses changes. Skip it unread.
                    reader.ReadBinary("new password");
                }

                break;
            case SshAuthMethods.KeyboardInteractive:
                reader.ReadBinary("language tag");
                request.Submethods = reader.ReadString("submethods");
                break;
            default:
                return request;
        }

        reader.EnsureEnd($"SSH_MSG_USERAUTH_REQUEST ({request.Method})");
        return request;
    }

    private static ReadOnlyMemory<byte> Slice(ReadOnlyMemory<byte> payload, ref SshReader reader, string field)
    {
        var length = reader.ReadBinary(field).Length;
        return payload.Slice(reader.Position - length, length);
    }
}
