using SshMux.Ssh;
using SshMux.Ssh.Connection;
using SshMux.Ssh.Transport;
using SshMux.Ssh.Wire;

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

    public static async Task RunAsync(SshChannel local, SshChannel upstream, SessionPolicy policy, IChannelMeter? meter = null)
    {
        var up = PumpAsync(local, upstream, policy, meter is null ? null : meter.Up);
        var down = PumpAsync(upstream, local, null, meter is null ? null : meter.Down);
        await Task.WhenAll(up, down).ConfigureAwait(false);
    }

    /// <param name="policy">Set for the client's side, whose requests it filters; null for the upstream's.</param>
    /// <param name="count">Told the size of each data message passed on.</param>
    private static async Task PumpAsync(SshChannel from, SshChannel to, SessionPolicy? policy, Action<int>? count)
    {
        SessionState? state = null;
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
                            count?.Invoke(e.Length);
                        }
                        finally
                        {
                            from.Release(e);
                        }

                        break;
                    case ChannelEventKind.Request:
                        if (policy is null)
                        {
                            await ForwardAsync(from, to, e).ConfigureAwait(false);
                        }
                        else
                        {
                            await FilterAsync(from, to, e, policy, state ??= new SessionState()).ConfigureAwait(false);
                        }

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

    private static async Task ForwardAsync(SshChannel from, SshChannel to, ChannelEvent e)
    {
        var ok = await to.SendRequestAsync(e.RequestType, e.WantReply, e.RequestData).ConfigureAwait(false);
        if (e.WantReply)
        {
            await from.ReplyAsync(ok).ConfigureAwait(false);
        }
    }

    /// <summary>A request from the local client: refused, passed on, or (the session's start under a forced command) replaced.</summary>
    private static async Task FilterAsync(SshChannel from, SshChannel to, ChannelEvent e, SessionPolicy policy, SessionState state)
    {
        if (Refusal(e, policy) is { } why)
        {
            policy.LogRefusal($"{VersionExchange.Printable(e.RequestType, 64)} request on channel {from.LocalId}", why);
            if (e.WantReply)
            {
                await from.ReplyAsync(false).ConfigureAwait(false);
            }

            return;
        }

        var starts = e.RequestType is SessionRequests.Exec or SessionRequests.Shell or SessionRequests.Subsystem;
        if (starts && state.Started && policy.ForcedCommand is not null)
        {
            // A second start would reach the upstream unreplaced; sshd refuses it anyway once a session runs.
            policy.LogRefusal($"{e.RequestType} request on channel {from.LocalId}", "the session already runs the forced command");
            if (e.WantReply)
            {
                await from.ReplyAsync(false).ConfigureAwait(false);
            }

            return;
        }

        if (!starts || state.Started)
        {
            await ForwardAsync(from, to, e).ConfigureAwait(false);
            return;
        }

        state.Started = true;
        foreach (var variable in policy.Environment)
        {
            // environment="NAME=value" (only present when user environment is permitted): the upstream's AcceptEnv decides.
            var equals = variable.IndexOf('=', StringComparison.Ordinal);
            if (!await to.SendRequestAsync(SessionRequests.Env, true, SessionRequests.EncodeEnv(variable[..equals], variable[(equals + 1)..])).ConfigureAwait(false))
            {
                policy.LogNote($"the upstream refused environment variable {variable[..equals]} from the key's environment= option");
            }
        }

        if (policy.ForcedCommand is not { } command)
        {
            await ForwardAsync(from, to, e).ConfigureAwait(false);
            return;
        }

        await SendOriginalCommandAsync(to, e, policy).ConfigureAwait(false);
        policy.LogNote($"forced command \"{VersionExchange.Printable(command, 128)}\" runs instead of the client's {e.RequestType} request");
        var ok = await to.SendRequestAsync(SessionRequests.Exec, e.WantReply, SessionRequests.EncodeExec(command)).ConfigureAwait(false);
        if (e.WantReply)
        {
            await from.ReplyAsync(ok).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// sshd's do_exec: under a forced command, SSH_ORIGINAL_COMMAND holds what the client asked
    /// for (an exec's command, here a subsystem's name; nothing for a shell). The relay can only
    /// set it with an env request, which the upstream's AcceptEnv may refuse: then the forced
    /// command runs without it.
    /// </summary>
    private static async Task SendOriginalCommandAsync(SshChannel to, ChannelEvent e, SessionPolicy policy)
    {
        if (e.RequestType == SessionRequests.Shell)
        {
            return;
        }

        // The exec and subsystem data is one string; an env value is the same string, bytes unchanged.
        using var data = new SshWriter(e.RequestData.Length + 32);
        data.WriteString("SSH_ORIGINAL_COMMAND");
        data.WriteRaw(e.RequestData);
        if (!await to.SendRequestAsync(SessionRequests.Env, true, data.WrittenMemory).ConfigureAwait(false))
        {
            policy.LogNote("the upstream refused SSH_ORIGINAL_COMMAND (its AcceptEnv does not list it); the forced command runs without it");
        }
    }

    /// <summary>
    /// Agent and X11 forwarding are never relayed (the seed's security model); a pty needs the
    /// key's permission; env passes an allowlist only; exec and subsystem data must be one string.
    /// </summary>
    private static string? Refusal(ChannelEvent e, SessionPolicy policy) => e.RequestType switch
    {
        SessionRequests.AgentForwarding or "auth-agent-req" => "agent forwarding is not relayed by ssh-mux",
        SessionRequests.X11Req => "X11 forwarding is not relayed by ssh-mux",
        SessionRequests.PtyReq when !policy.AllowsPty => "a pty is not allowed for this key (no-pty, restrict, or a certificate without permit-pty)",
        SessionRequests.Env when !IsAllowedEnv(TryEnvName(e.RequestData)) => "the variable is not in the allowlist (LANG, LC_*, COLORTERM, TERM_PROGRAM*)",
        SessionRequests.Exec or SessionRequests.Subsystem when !IsOneString(e.RequestData) => "malformed request data",
        _ => null,
    };

    private static bool IsOneString(byte[] data)
    {
        try
        {
            var reader = new SshReader(data);
            reader.ReadBinary("command");
            return reader.AtEnd;
        }
        catch (SshException)
        {
            return false;
        }
    }

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

    /// <summary>Per channel: whether the session has started (its first exec, shell or subsystem request).</summary>
    private sealed class SessionState
    {
        public bool Started { get; set; }
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
