using SshMux.Ssh.OpenSsh;

namespace SshMux.Ssh.Keys;

/// <summary>
/// What a user certificate's critical options and extensions allow and require, as sshd reads
/// them (auth-options.c cert_option_list, PROTOCOL.certkeys "Critical options" / "Extensions").
/// Extensions grant (X11, agent and port forwarding, a pty, ~/.ssh/rc): absent means refused.
/// </summary>
public sealed record SshCertificateRestrictions
{
    public const string ForceCommandOption = "force-command";
    public const string SourceAddressOption = "source-address";
    public const string VerifyRequiredOption = "verify-required";

    /// <summary>force-command: the command run whatever the client asks for.</summary>
    public string? ForceCommand { get; init; }

    /// <summary>source-address: comma-separated CIDR list the client address must be in.</summary>
    public string? SourceAddress { get; init; }

    /// <summary>verify-required: signatures must assert FIDO user verification.</summary>
    public bool VerifyRequired { get; init; }

    public bool PermitX11Forwarding { get; init; }

    public bool PermitAgentForwarding { get; init; }

    public bool PermitPortForwarding { get; init; }

    public bool PermitPty { get; init; }

    public bool PermitUserRc { get; init; }

    /// <summary>no-touch-required: FIDO signatures need not assert user presence.</summary>
    public bool NoTouchRequired { get; init; }

    /// <summary>Extensions this implementation does not know (ignored, as PROTOCOL.certkeys allows).</summary>
    public IReadOnlyList<string> UnknownExtensions { get; init; } = [];

    /// <summary>
    /// Reads a user certificate's options. Fails (with the reason) on an unknown critical option,
    /// on a known option whose data is malformed or has extra data, and on a source-address list
    /// that is not valid CIDR: sshd refuses the certificate in each case.
    /// </summary>
    public static bool TryParse(SshCertificate certificate, out SshCertificateRestrictions? restrictions, out string? error)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        restrictions = null;
        string? forceCommand = null, sourceAddress = null;
        var verifyRequired = false;
        foreach (var option in certificate.CriticalOptions)
        {
            switch (option.Name)
            {
                case ForceCommandOption:
                    if (!option.TryGetString(out forceCommand))
                    {
                        error = "certificate option \"force-command\" is malformed";
                        return false;
                    }

                    break;
                case SourceAddressOption:
                    if (!option.TryGetString(out sourceAddress))
                    {
                        error = "certificate option \"source-address\" is malformed";
                        return false;
                    }

                    if (!AddressPattern.IsValidCidrList(sourceAddress))
                    {
                        error = $"certificate source-address \"{SshPublicKey.Truncate(sourceAddress)}\" is not a valid CIDR list";
                        return false;
                    }

                    break;
                case VerifyRequiredOption:
                    if (!option.Data.IsEmpty)
                    {
                        error = "certificate option \"verify-required\" is corrupt (extra data)";
                        return false;
                    }

                    verifyRequired = true;
                    break;
                default:
                    error = $"unsupported critical option '{SshPublicKey.Truncate(option.Name)}'";
                    return false;
            }
        }

        bool x11 = false, agent = false, port = false, pty = false, userRc = false, noTouch = false;
        var unknown = new List<string>();
        foreach (var extension in certificate.Extensions)
        {
            ref bool flag = ref x11;
            switch (extension.Name)
            {
                case "permit-X11-forwarding":
                    break;
                case "permit-agent-forwarding":
                    flag = ref agent;
                    break;
                case "permit-port-forwarding":
                    flag = ref port;
                    break;
                case "permit-pty":
                    flag = ref pty;
                    break;
                case "permit-user-rc":
                    flag = ref userRc;
                    break;
                case "no-touch-required":
                    flag = ref noTouch;
                    break;
                default:
                    unknown.Add(extension.Name);
                    continue;
            }

            if (!extension.Data.IsEmpty)
            {
                error = $"certificate extension \"{extension.Name}\" is corrupt (extra data)";
                return false;
            }

            flag = true;
        }

        restrictions = new SshCertificateRestrictions
        {
            ForceCommand = forceCommand,
            SourceAddress = sourceAddress,
            VerifyRequired = verifyRequired,
            PermitX11Forwarding = x11,
            PermitAgentForwarding = agent,
            PermitPortForwarding = port,
            PermitPty = pty,
            PermitUserRc = userRc,
            NoTouchRequired = noTouch,
            UnknownExtensions = unknown.AsReadOnly(),
        };
        error = null;
        return true;
    }
}
