using System.Globalization;
using SshMux.Ssh.Keys;

namespace SshMux.Cli;

/// <summary>
/// The file of --trusted-user-ca-keys, as sshd reads TrustedUserCAKeys: one public key per
/// line, blank lines and # comments ignored. Any line that is not a key fails the whole file,
/// so a typo never silently trusts fewer (or other) CAs than meant.
/// </summary>
internal static class TrustedUserCaKeysFile
{
    public static bool TryLoad(string path, out IReadOnlyList<SshPublicKey> keys, out string error)
    {
        keys = [];
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = $"cannot read {path}: {e.Message}";
            return false;
        }

        var found = new List<SshPublicKey>();
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            try
            {
                found.Add(SshPublicKeyLine.Parse(line).Key);
            }
            catch (FormatException e)
            {
                error = $"{path} line {(i + 1).ToString(CultureInfo.InvariantCulture)}: {e.Message}";
                return false;
            }
        }

        if (found.Count == 0)
        {
            error = $"{path} holds no CA public key";
            return false;
        }

        keys = found;
        error = string.Empty;
        return true;
    }
}
