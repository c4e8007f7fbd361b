using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using SshMux.Prompts;
using SshMux.Ssh.Keys;
using SshMux.Ssh.OpenSsh;

namespace SshMux.Trust;

/// <summary>
/// The question ssh asks about an unknown host key (sshconnect.c check_host_key, HOST_NEW), put
/// to the person through the prompt broker, and how the answer is read.
/// </summary>
internal static class HostKeyPrompt
{
    public const string Question = "Are you sure you want to continue connecting (yes/no/[fingerprint])? ";

    /// <param name="authorities">@cert-authority lines that apply to the host: accepting a plain key bypasses them (seed: the CA downgrade warning).</param>
    /// <param name="certificateFailure">Why the server's host certificate was not accepted, when it sent one.</param>
    public static PromptRequest Build(string route, string name, SshPublicKey key, IReadOnlyList<KnownHostsEntry> authorities,
        string? certificateFailure, string pinFile)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"The authenticity of host '{name}' can't be established.\n");
        text.Append(CultureInfo.InvariantCulture, $"{key.KeyType} key fingerprint is {key.GetSha256Fingerprint()}.\n");
        if (authorities.Count > 0)
        {
            text.Append(CultureInfo.InvariantCulture,
                $"WARNING: known_hosts trusts a certificate authority for this host ({string.Join(", ", authorities.Select(a => a.Location))}), ");
            text.Append("but the server did not present a host certificate it signed");
            text.Append(certificateFailure is null ? ".\n" : $" ({certificateFailure}).\n");
            text.Append("Accepting this plain key downgrades this host from CA trust to a pinned key.\n");
        }
        else if (certificateFailure is not null)
        {
            text.Append(CultureInfo.InvariantCulture, $"The server's host certificate was not accepted: {certificateFailure}.\n");
        }

        text.Append(CultureInfo.InvariantCulture, $"Accepting records the key in {pinFile}.");
        return new PromptRequest(PromptKind.HostKey, route, name, $"Unknown host key for {name}", text.ToString(),
            [new PromptField(Question, Echo: true)]);
    }

    /// <summary>
    /// Only an explicit "yes" (any case, as ssh's confirm) or the key's own SHA256 fingerprint
    /// accepts. The answers are zeroed here.
    /// </summary>
    public static bool IsYes(IReadOnlyList<byte[]> answers, SshPublicKey key)
    {
        try
        {
            if (answers.Count != 1)
            {
                return false;
            }

            var answer = Encoding.UTF8.GetString(answers[0]).Trim();
            return answer.Equals("yes", StringComparison.OrdinalIgnoreCase)
                || answer.Equals(key.GetSha256Fingerprint(), StringComparison.Ordinal);
        }
        finally
        {
            foreach (var answer in answers)
            {
                CryptographicOperations.ZeroMemory(answer);
            }
        }
    }
}
