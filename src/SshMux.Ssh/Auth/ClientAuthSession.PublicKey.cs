using System.Security.Cryptography;
using SshMux.Ssh.Keys;
using SshMux.Ssh.Transport;
using SshMux.Ssh.Wire;

namespace SshMux.Ssh.Auth;

/// <summary>The "publickey" method (RFC 4252 section 7, RFC 8332 section 3.2, OpenSSH PROTOCOL 3.1).</summary>
internal sealed partial class ClientAuthSession
{
    private static readonly string[] RsaPreference = ["rsa-sha2-512", "rsa-sha2-256"];

    private readonly HashSet<ISshIdentity> _triedIdentities = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<ISshIdentity> _succeededIdentities = new(ReferenceEqualityComparer.Instance);

    private void ResetIdentities() => _triedIdentities.Clear();

    /// <summary>
    /// Offers each key not yet tried: first without a signature (the server answers
    /// SSH_MSG_USERAUTH_PK_OK if it would accept the key), and only then signs, so a key the
    /// server does not want is never asked to sign (an agent may need a touch for that).
    /// </summary>
    private async Task<Step> PublicKeyAsync(CancellationToken cancellationToken)
    {
        foreach (var identity in _options.Identities)
        {
            if (_succeededIdentities.Contains(identity) || !_triedIdentities.Add(identity))
            {
                continue;
            }

            var signatureAlgorithm = ChooseSignatureAlgorithm(identity.KeyType, identity.PublicKey, _transport.ServerSignatureAlgorithms, _options.PublicKeyAlgorithms, _options.EnableSshRsaSha1);
            if (signatureAlgorithm is null)
            {
                Log(SshLogLevel.Info, $"Skipping {Describe(identity)}: no signature algorithm is both in the client's list and in the server's server-sig-algs ({string.Join(',', _transport.ServerSignatureAlgorithms ?? [])})");
                continue;
            }

            var algorithm = PublicKeyAlgorithms.RequestAlgorithmFor(identity.KeyType, signatureAlgorithm);
            var step = await TryIdentityAsync(identity, algorithm, signatureAlgorithm, cancellationToken).ConfigureAwait(false);
            if (step is { } done)
            {
                return done;
            }

            if (!_allowed.Contains(SshAuthMethods.PublicKey))
            {
                break;
            }
        }

        return Step.Exhausted;
    }

    /// <summary>Returns the outcome when this key ended the method's turn, or null to go on with the next key.</summary>
    private async Task<Step?> TryIdentityAsync(ISshIdentity identity, string algorithm, string signatureAlgorithm, CancellationToken cancellationToken)
    {
        var blob = identity.PublicKeyBlob;
        using (var query = NewPublicKeyRequest(SshAuthMethods.PublicKey, hasSignature: false, algorithm, blob.Span, default))
        {
            await SendAsync(query, $"publickey {algorithm} {identity.PublicKey.GetSha256Fingerprint()}", cancellationToken).ConfigureAwait(false);
        }

        var reply = await ReceiveAsync(cancellationToken).ConfigureAwait(false);
        switch (reply[0])
        {
            case UserAuthMessageNumbers.Success:
                return Authenticated(identity, signatureAlgorithm);
            case UserAuthMessageNumbers.MethodSpecific60:
                CheckPkOk(reply, algorithm, blob.Span);
                break;
            default:
                // A refused query is never a partial success: nothing was proven.
                ExpectFailure(reply, SshAuthMethods.PublicKey);
                Log(SshLogLevel.Debug, $"Server refuses {Describe(identity)}");
                return null;
        }

        var hostBound = UseHostBound();
        var method = hostBound ? SshAuthMethods.PublicKeyHostBound : SshAuthMethods.PublicKey;
        var hostKey = hostBound ? _transport.HostKeyBlob : default;
        var data = PublicKeyAuthData.BuildSignedData(_transport.SessionId.Span, _user, SshAuthMethods.ConnectionService, method, algorithm, blob.Span, hostKey.Span);
        byte[] signature;
        try
        {
            signature = await identity.SignAsync(signatureAlgorithm, data, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SshException or InvalidOperationException or ArgumentException or CryptographicException or IOException or NotSupportedException)
        {
            // An agent that refuses (or a person who declines a confirmation) costs this key only.
            Log(SshLogLevel.Warning, $"Could not sign with {Describe(identity)}: {e.Message}");
            return null;
        }

        if (!SignatureAlgorithmIs(signature, signatureAlgorithm))
        {
            Log(SshLogLevel.Warning, $"{Describe(identity)} returned a signature that is not {signatureAlgorithm}; not sent");
            return null;
        }

        using (var request = NewPublicKeyRequest(method, hasSignature: true, algorithm, blob.Span, hostKey.Span))
        {
            request.WriteBinary(signature);
            await SendAsync(request, $"{method} {algorithm} {identity.PublicKey.GetSha256Fingerprint()} (signed)", cancellationToken).ConfigureAwait(false);
        }

        reply = await ReceiveAsync(cancellationToken).ConfigureAwait(false);
        if (reply[0] == UserAuthMessageNumbers.Success)
        {
            return Authenticated(identity, signatureAlgorithm);
        }

        if (ExpectFailure(reply, method))
        {
            _succeededIdentities.Add(identity);
            _identity = identity;
            _signatureAlgorithm = signatureAlgorithm;
            return Step.PartialSuccess;
        }

        Log(SshLogLevel.Info, $"Server refused the signature of {Describe(identity)} ({signatureAlgorithm})");
        return null;
    }

    private Step Authenticated(ISshIdentity identity, string signatureAlgorithm)
    {
        _identity = identity;
        _signatureAlgorithm = signatureAlgorithm;
        return Step.Success;
    }

    /// <summary>
    /// RFC 8332 section 3.3: an RSA key signs with the strongest of rsa-sha2-512 and
    /// rsa-sha2-256 in the server's server-sig-algs; a server that sent no list gets
    /// rsa-sha2-256, the one RFC 8332 section 3 recommends (rsa-sha2-512 is optional). SHA-1
    /// ssh-rsa only when enabled and listed. Other key types have one signature algorithm.
    /// Whatever is chosen must also be in the client's own list (for certificates, under its
    /// certificate name). Null when no algorithm fits.
    /// </summary>
    internal static string? ChooseSignatureAlgorithm(string keyType, SshPublicKey key, IReadOnlyList<string>? serverSignatureAlgorithms,
        IReadOnlyList<string> clientAlgorithms, bool enableSshRsaSha1)
    {
        if (key.KeyType != "ssh-rsa")
        {
            var only = key.SignatureAlgorithms[0];
            return clientAlgorithms.Contains(PublicKeyAlgorithms.RequestAlgorithmFor(keyType, only)) ? only : null;
        }

        foreach (var candidate in RsaPreference)
        {
            var serverHasIt = serverSignatureAlgorithms is null ? candidate == "rsa-sha2-256" : serverSignatureAlgorithms.Contains(candidate);
            if (serverHasIt && clientAlgorithms.Contains(PublicKeyAlgorithms.RequestAlgorithmFor(keyType, candidate)))
            {
                return candidate;
            }
        }

        return enableSshRsaSha1 && serverSignatureAlgorithms is not null && serverSignatureAlgorithms.Contains("ssh-rsa") ? "ssh-rsa" : null;
    }

    /// <summary>The server announced publickey-hostbound@openssh.com version "0" in its EXT_INFO (OpenSSH PROTOCOL 3.1).</summary>
    private bool UseHostBound()
    {
        if (!_options.UseHostBoundPublicKey || _transport.HostKey is null || _transport.ServerExtensions is not { } extensions)
        {
            return false;
        }

        foreach (var (name, value) in extensions)
        {
            if (name == SshAuthMethods.HostBoundExtension && value.AsSpan().SequenceEqual("0"u8))
            {
                return true;
            }
        }

        return false;
    }

    private SshWriter NewPublicKeyRequest(string method, bool hasSignature, string algorithm, ReadOnlySpan<byte> blob, ReadOnlySpan<byte> hostKey)
    {
        var writer = new SshWriter(blob.Length + hostKey.Length + 256);
        PublicKeyAuthData.WriteRequestFields(writer, _user, SshAuthMethods.ConnectionService, method, hasSignature, algorithm, blob, hostKey);
        return writer;
    }

    /// <summary>SSH_MSG_USERAUTH_PK_OK: string algorithm, string blob, both as queried (RFC 4252 section 7).</summary>
    private void CheckPkOk(byte[] reply, string algorithm, ReadOnlySpan<byte> blob)
    {
        var reader = new SshReader(reply.AsSpan(1));
        var name = reader.ReadBinary("public key algorithm");
        var echoed = reader.ReadBinary("public key blob");
        reader.EnsureEnd("SSH_MSG_USERAUTH_PK_OK");
        if (!name.SequenceEqual(System.Text.Encoding.ASCII.GetBytes(algorithm)) || !echoed.SequenceEqual(blob))
        {
            var error = new SshException(DisconnectReason.ProtocolError, "SSH_MSG_USERAUTH_PK_OK names a different key than the one queried");
            _ = _transport.DisconnectAsync(error.Reason, error.Message);
            throw error;
        }
    }

    private static bool SignatureAlgorithmIs(byte[] signature, string algorithm)
    {
        try
        {
            var reader = new SshReader(signature);
            return reader.ReadBinary("signature format").SequenceEqual(System.Text.Encoding.ASCII.GetBytes(algorithm));
        }
        catch (SshException)
        {
            return false;
        }
    }

    private static string Describe(ISshIdentity identity) =>
        identity.Comment.Length == 0
            ? $"{identity.KeyType} key {identity.PublicKey.GetSha256Fingerprint()}"
            : $"{identity.KeyType} key {identity.PublicKey.GetSha256Fingerprint()} ({identity.Comment})";
}
