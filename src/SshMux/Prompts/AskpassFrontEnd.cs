using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace SshMux.Prompts;

/// <summary>
/// Whether and where SSH_ASKPASS is used, with OpenSSH's semantics (ssh(1) ENVIRONMENT,
/// readpass.c): by default only with a display (DISPLAY or WAYLAND_DISPLAY) and after the
/// terminal; "prefer" puts it before the terminal when there is a display; "force" uses it
/// first with or without a display; "never" never.
/// </summary>
internal sealed record AskpassSettings(string? Program, bool Enabled, bool BeforeTerminal)
{
    public static AskpassSettings FromEnvironment(Func<string, string?> getenv)
    {
        ArgumentNullException.ThrowIfNull(getenv);
        var program = getenv("SSH_ASKPASS");
        if (string.IsNullOrEmpty(program))
        {
            return new AskpassSettings(null, false, false);
        }

        var display = !string.IsNullOrEmpty(getenv("DISPLAY")) || !string.IsNullOrEmpty(getenv("WAYLAND_DISPLAY"));
        return getenv("SSH_ASKPASS_REQUIRE")?.ToUpperInvariant() switch
        {
            "FORCE" => new AskpassSettings(program, true, true),
            "PREFER" => new AskpassSettings(program, display, display),
            "NEVER" => new AskpassSettings(program, false, false),
            _ => new AskpassSettings(program, display, false),
        };
    }

    /// <summary>The broker's front end order these settings call for.</summary>
    public IReadOnlyList<PromptFrontEndKind> Order => BeforeTerminal
        ? [PromptFrontEndKind.KeyboardInteractiveRelay, PromptFrontEndKind.Askpass, PromptFrontEndKind.Terminal]
        : [PromptFrontEndKind.KeyboardInteractiveRelay, PromptFrontEndKind.Terminal, PromptFrontEndKind.Askpass];
}

/// <summary>
/// Asks through the SSH_ASKPASS program as ssh does: one run per field, the (sanitised) prompt
/// as its only argument, the answer as the first line of its standard output; a non-zero
/// exit status cancels. The route and host head the prompt text so the person knows who asks.
/// </summary>
internal sealed class AskpassFrontEnd(string program) : IPromptFrontEnd
{
    /// <summary>Longest answer read; ssh's own askpass reader stops at 1 KiB.</summary>
    private const int MaxAnswer = 8192;

    public PromptFrontEndKind Kind => PromptFrontEndKind.Askpass;

    public string Description => $"SSH_ASKPASS ({program})";

    public string? Route => null;

    public bool IsAvailable => true;

    public async Task<IReadOnlyList<byte[]>?> AskAsync(PromptRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var answers = new List<byte[]>(request.Fields.Count);
        try
        {
            foreach (var field in request.Fields)
            {
                var answer = await RunAsync(PromptTextFor(request, field), cancellationToken).ConfigureAwait(false);
                if (answer is null)
                {
                    PromptBroker.Zero(answers);
                    return null;
                }

                answers.Add(answer);
            }
        }
        catch
        {
            PromptBroker.Zero(answers);
            throw;
        }

        return answers;
    }

    /// <summary>The argument: the askpass program shows it, so everything remote in it is sanitised.</summary>
    internal static string PromptTextFor(PromptRequest request, PromptField field)
    {
        var text = new StringBuilder();
        text.Append("ssh-mux: ").Append(PromptText.Line(request.Route, 64)).Append(" (").Append(PromptText.Line(request.Host, 128)).Append(")\n");
        if (PromptText.Line(request.Title) is { Length: > 0 } title)
        {
            text.Append(title).Append('\n');
        }

        if (PromptText.Block(request.Instruction) is { Length: > 0 } instruction)
        {
            text.Append(instruction.TrimEnd('\n')).Append('\n');
        }

        text.Append(PromptText.Line(field.Text));
        return text.ToString();
    }

    private async Task<byte[]?> RunAsync(string prompt, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = false,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(prompt);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {program}");
        process.StandardInput.Close();
        var buffer = new byte[MaxAnswer];
        var length = 0;
        try
        {
            var stdout = process.StandardOutput.BaseStream;
            while (length < buffer.Length)
            {
                var read = await stdout.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                var newline = Array.IndexOf(buffer, (byte)'\n', length, read);
                length += read;
                if (newline >= 0)
                {
                    length = newline;
                    break;
                }
            }

            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            if (process.ExitCode != 0)
            {
                return null;
            }

            if (length > 0 && buffer[length - 1] == '\r')
            {
                length--;
            }

            return buffer.AsSpan(0, length).ToArray();
        }
        finally
        {
            CryptographicOperations.ZeroMemory(buffer);
            if (!process.HasExited)
            {
                try
                {
                    process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                    // It exited meanwhile.
                }
            }
        }
    }
}
