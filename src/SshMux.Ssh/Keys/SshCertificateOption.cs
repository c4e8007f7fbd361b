using System.Diagnostics.CodeAnalysis;
using SshMux.Ssh.Wire;

namespace SshMux.Ssh.Keys;

/// <summary>
/// One critical option or extension of a certificate (PROTOCOL.certkeys "Critical options"):
/// a name and a data string that holds zero or more values (an empty flag option has empty
/// data; force-command and source-address hold exactly one string).
/// </summary>
public sealed class SshCertificateOption
{
    private readonly byte[] _data;

    internal SshCertificateOption(string name, ReadOnlySpan<byte> data)
    {
        Name = name;
        _data = data.ToArray();
    }

    public string Name { get; }

    /// <summary>The raw data field, without its outer length.</summary>
    public ReadOnlyMemory<byte> Data => _data;

    /// <summary>True when the data is exactly one UTF-8 string and nothing else (the force-command / source-address form).</summary>
    public bool TryGetString([NotNullWhen(true)] out string? value)
    {
        value = null;
        try
        {
            var reader = new SshReader(_data);
            var text = SshCertificate.ReadCString(ref reader, "option value");
            if (!reader.AtEnd)
            {
                return false;
            }

            value = text;
            return true;
        }
        catch (SshException)
        {
            return false;
        }
    }

    public override string ToString()
    {
        if (_data.Length == 0)
        {
            return Name;
        }

        return TryGetString(out var value) ? $"{Name} {value}" : $"{Name} ({_data.Length} bytes)";
    }
}
