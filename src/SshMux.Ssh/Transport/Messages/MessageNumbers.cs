namespace SshMux.Ssh.Transport.Messages;

/// <summary>Message numbers of RFC 4250 section 4.1 and the extensions ssh-mux speaks.</summary>
public static class MessageNumbers
{
    public const byte Disconnect = 1;
    public const byte Ignore = 2;
    public const byte Unimplemented = 3;
    public const byte Debug = 4;
    public const byte ServiceRequest = 5;
    public const byte ServiceAccept = 6;
    public const byte ExtInfo = 7; // RFC 8308
    public const byte KexInit = 20;
    public const byte NewKeys = 21;
    public const byte KexFirst = 30;
    public const byte KexLast = 49;
    public const byte UserAuthRequest = 50;
    public const byte UserAuthFailure = 51;

    /// <summary>True for the key exchange method specific range (RFC 4250 section 4.1.2).</summary>
    public static bool IsKexMethodMessage(byte number) => number is >= KexFirst and <= KexLast;

    /// <summary>
    /// Messages a side may send after its KEXINIT and before its NEWKEYS (RFC 4253 section 7.1):
    /// the generic transport messages except the service ones, KEXINIT/NEWKEYS and 30-49.
    /// </summary>
    public static bool IsAllowedDuringKex(byte number) =>
        number is Disconnect or Ignore or Unimplemented or Debug or KexInit or NewKeys || IsKexMethodMessage(number);
}
