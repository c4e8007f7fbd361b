using SshMux.Ssh;
using SshMux.Ssh.Connection;

namespace SshMux.Relay;

/// <summary>
/// Joins a local channel to an upstream channel: data, extended data, requests, EOF and close
/// flow in order both ways. Each side's data is released (and its window given back) only
/// after the other side has taken it, so a slow reader at either end slows the writer at the
/// other and nothing accumulates in between.
/// </summary>
internal static class ChannelRelay
{
    /// <summary>Environment variables a local client may pass upstream (as sshd's AcceptEnv defaults on Debian).</summary>
    private static bool IsAllowedEnv(string name) =>
        name is "LANG" or "COLORTERM" or "TERM_PROGRAM" or "TERM_PROGRAM_VERSION" || name.StartsWith("LC_", StringComparison.Ordinal);

    public static async Task RunAsync(SshChannel local, SshChannel upstream)
    {
        var down = PumpAsync(local, upstream, fromClient: true);
        var up = PumpAsync(upstream, local, fromClient: false);
        await Task.WhenAll(down, up).ConfigureAwait(false);
    }

    private static async Task PumpAsync(SshChannel from, SshChannel to, bool fromClient)
    {
        try
        {
            while (true)
            {
                var e = await from.ReadEventAsync().ConfigureAwait(false);
                switch (e.Kind)
                {
                    case ChannelEventKind.Data:
                    case ChannelEventKind.ExtendedData:
                        try
                        {
                            await to.SendDataAsync(e.Data, e.Kind == ChannelEventKind.ExtendedData ? e.DataTypeCode : null).ConfigureAwait(false);
                        }
                        finally
                        {
                            from.Release(e);
                        }

                        break;
                    case ChannelEventKind.Request:
                        await RelayRequestAsync(from, to, e, fromClient).ConfigureAwait(false);
                        break;
                    case ChannelEventKind.Eof:
                        await to.SendEofAsync().ConfigureAwait(false);
                        break;
                    case ChannelEventKind.Closed:
                        await to.CloseAsync().ConfigureAwait(false);
                        return;
                }
            }
        }
        catch (SshException)
        {
            // One side failed (its connection died, or it closed mid-write): end both.
            await CloseQuietlyAsync(from).ConfigureAwait(false);
            await CloseQuietlyAsync(to).ConfigureAwait(false);
        }
    }

    private static async Task RelayRequestAsync(SshChannel from, SshChannel to, ChannelEvent e, bool fromClient)
    {
        if (fromClient && !IsAllowed(e))
        {
            if (e.WantReply)
            {
                await from.ReplyAsync(false).ConfigureAwait(false);
            }

            return;
        }

        var ok = await to.SendRequestAsync(e.RequestType, e.WantReply, e.RequestData).ConfigureAwait(false);
        if (e.WantReply)
        {
            await from.ReplyAsync(ok).ConfigureAwait(false);
        }
    }

    /// <summary>Agent and X11 forwarding are refused (the seed's security model); env passes an allowlist only.</summary>
    private static bool IsAllowed(ChannelEvent e) => e.RequestType switch
    {
        SessionRequests.AgentForwarding or SessionRequests.X11Req or "auth-agent-req" => false,
        SessionRequests.Env => IsAllowedEnv(TryEnvName(e.RequestData)),
        _ => true,
    };

    private static string TryEnvName(byte[] data)
    {
        try
        {
            return SessionRequests.DecodeEnv(data).Name;
        }
        catch (SshException)
        {
            return string.Empty;
        }
    }

    private static async Task CloseQuietlyAsync(SshChannel channel)
    {
        try
        {
            await channel.CloseAsync().ConfigureAwait(false);
        }
        catch (SshException)
        {
        }
    }
}
