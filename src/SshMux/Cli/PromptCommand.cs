using System.Buffers.Text;
using System.Collections.Concurrent;
using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using SshMux.Control;
using SshMux.Prompts;

namespace SshMux.Cli;

/// <summary>
/// `ssh-mux prompt`: attaches to the daemon as a prompt front end and asks the person here.
/// The route and host head every prompt; remote text is sanitised again before display;
/// secret fields are read without echo. When standard input is not a terminal, answers are
/// read from it one line per field.
/// </summary>
internal static class PromptCommand
{
    public static Command Create()
    {
        var command = new Command("prompt", "Answer the daemon's prompts (one-time passwords, passphrases, host keys) in this terminal");
        command.SetAction((_, ct) =>
        {
            IAnswerInput input = Console.IsInputRedirected ? new LineAnswerInput(Console.OpenStandardInput()) : new TerminalAnswerInput();
            return RunAsync(ControlEndpoint.ForCurrentUser(), input, Console.Out, ControlCli.UseColour, ct);
        });
        return command;
    }

    public static async Task<int> RunAsync(IControlEndpoint endpoint, IAnswerInput input, TextWriter output, bool colour, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        ControlClient client;
        try
        {
            client = await ControlClient.ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false);
        }
        catch (DaemonNotRunningException e)
        {
            await Console.Error.WriteLineAsync($"ssh-mux prompt: {e.Message}. Start it with `ssh-mux daemon`.").ConfigureAwait(false);
            return ExitCodes.Unreachable;
        }
        catch (Exception e) when (e is ControlException or IOException or PlatformNotSupportedException)
        {
            await Console.Error.WriteLineAsync("ssh-mux prompt: " + e.Message).ConfigureAwait(false);
            return ExitCodes.ProtocolFailure;
        }

        await using (client.ConfigureAwait(false))
        {
            try
            {
                await client.RequestAsync(ControlProtocol.PromptAttach, ControlCli.ReplyTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is ControlException or IOException or TimeoutException)
            {
                await Console.Error.WriteLineAsync("ssh-mux prompt: " + e.Message).ConfigureAwait(false);
                return ExitCodes.ProtocolFailure;
            }

            await output.WriteLineAsync($"ssh-mux prompt: attached to the daemon ({endpoint.Address}); waiting for prompts").ConfigureAwait(false);
            await output.FlushAsync(cancellationToken).ConfigureAwait(false);
            var session = new Session(client.Connection, input, output, colour);
            var daemonClosed = await session.RunAsync(cancellationToken).ConfigureAwait(false);
            if (daemonClosed)
            {
                await Console.Error.WriteLineAsync("ssh-mux prompt: the daemon closed the connection").ConfigureAwait(false);
                return ExitCodes.Unreachable;
            }

            return ExitCodes.Success;
        }
    }

    private sealed class Session(ControlConnection connection, IAnswerInput input, TextWriter output, bool colour)
    {
        private readonly Channel<(long Id, PromptRequest Request)> _prompts = Channel.CreateUnbounded<(long, PromptRequest)>();
        private readonly ConcurrentDictionary<long, CancellationTokenSource> _asking = new();
        private readonly ConcurrentDictionary<long, bool> _cancelled = new();

        /// <summary>Serves prompts until the daemon closes (true) or input ends (false).</summary>
        public async Task<bool> RunAsync(CancellationToken cancellationToken)
        {
            var reading = Task.Run(() => ReadAsync(cancellationToken), CancellationToken.None);
            while (true)
            {
                var next = _prompts.Reader.WaitToReadAsync(cancellationToken).AsTask();
                await Task.WhenAny(next, input.EndOfInput).ConfigureAwait(false);
                if (!next.IsCompleted || input.Ended)
                {
                    // Standard input ended while no prompt was waiting: nobody is left to answer.
                    await output.WriteLineAsync("ssh-mux prompt: input ended; detaching").ConfigureAwait(false);
                    await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                    return false;
                }

                if (!await next.ConfigureAwait(false))
                {
                    break;
                }

                if (!_prompts.Reader.TryRead(out var prompt) || _cancelled.TryRemove(prompt.Id, out _))
                {
                    continue;
                }

                using var asking = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                _asking[prompt.Id] = asking;
                try
                {
                    await AskAsync(prompt.Id, prompt.Request, asking.Token, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    _asking.TryRemove(prompt.Id, out _);
                    _cancelled.TryRemove(prompt.Id, out _);
                }
            }

            await reading.ConfigureAwait(false);
            return true;
        }

        private async Task ReadAsync(CancellationToken cancellationToken)
        {
            try
            {
                while (await connection.ReadLineAsync(Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false) is { } line)
                {
                    if (line.Span.StartsWith("error "u8))
                    {
                        await Console.Error.WriteLineAsync("ssh-mux prompt: the daemon says: " + PromptText.Line(Encoding.UTF8.GetString(line.Span[6..]))).ConfigureAwait(false);
                        continue;
                    }

                    var (type, id, request) = ControlProtocol.ParsePromptMessage(line.Span);
                    if (request is not null)
                    {
                        _prompts.Writer.TryWrite((id, request));
                    }
                    else if (type == "cancel")
                    {
                        _cancelled[id] = true;
                        if (_asking.TryGetValue(id, out var asking))
                        {
                            await asking.CancelAsync().ConfigureAwait(false);
                        }
                    }
                }
            }
            catch (Exception e) when (e is IOException or ControlException or OperationCanceledException or ObjectDisposedException)
            {
                // The connection ended; the prompt loop ends with it.
            }
            finally
            {
                _prompts.Writer.TryComplete();
            }
        }

        private async Task AskAsync(long id, PromptRequest request, CancellationToken asking, CancellationToken detaching)
        {
            await output.WriteAsync(Render(request)).ConfigureAwait(false);
            var answers = new List<byte[]>();
            try
            {
                foreach (var field in request.Fields)
                {
                    var answer = await ReadFieldAsync(request.Kind, field, asking).ConfigureAwait(false);
                    if (answer is null)
                    {
                        await output.WriteLineAsync("(prompt cancelled)").ConfigureAwait(false);
                        await connection.WriteLineAsync($"{ControlProtocol.Cancel} {id.ToString(CultureInfo.InvariantCulture)}", detaching).ConfigureAwait(false);
                        return;
                    }

                    answers.Add(answer);
                }

                await SendAnswersAsync(id, answers, detaching).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!detaching.IsCancellationRequested)
            {
                await output.WriteLineAsync("(the daemon withdrew this prompt: it timed out or was answered elsewhere)").ConfigureAwait(false);
            }
            finally
            {
                PromptBroker.Zero(answers);
                await output.FlushAsync(detaching).ConfigureAwait(false);
            }
        }

        private async Task<byte[]?> ReadFieldAsync(PromptKind kind, PromptField field, CancellationToken cancellationToken)
        {
            var confirm = kind is PromptKind.HostKey or PromptKind.Approval;
            while (true)
            {
                var text = PromptText.Line(field.Text).TrimEnd();
                var hint = confirm ? " (yes/no)" : field.Echo ? string.Empty : " (input hidden)";
                await output.WriteAsync(input is LineAnswerInput ? text + hint + "\n" : text + hint + " ").ConfigureAwait(false);
                await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                var answer = await input.ReadAsync(field.Echo || confirm, cancellationToken).ConfigureAwait(false);
                if (answer is null || !confirm || input is LineAnswerInput)
                {
                    return answer;
                }

                // A confirmation from the terminal must be a clear yes or no.
                var word = Encoding.UTF8.GetString(answer).Trim().ToUpperInvariant();
                if (word is "YES" or "NO")
                {
                    return answer;
                }

                CryptographicOperations.ZeroMemory(answer);
                await output.WriteLineAsync("Please type yes or no.").ConfigureAwait(false);
            }
        }

        /// <summary>"answer ID B64 B64...\n", built in a buffer that is zeroed once sent.</summary>
        private async Task SendAnswersAsync(long id, List<byte[]> answers, CancellationToken cancellationToken)
        {
            var head = Encoding.ASCII.GetBytes($"{ControlProtocol.Answer} {id.ToString(CultureInfo.InvariantCulture)}");
            var length = head.Length + answers.Sum(a => 1 + Base64.GetMaxEncodedToUtf8Length(a.Length)) + 1;
            var line = new byte[length];
            try
            {
                head.CopyTo(line, 0);
                var position = head.Length;
                foreach (var answer in answers)
                {
                    line[position++] = (byte)' ';
                    Base64.EncodeToUtf8(answer, line.AsSpan(position), out _, out var written);
                    position += written;
                }

                line[position++] = (byte)'\n';
                await connection.WriteLineAsync(line.AsMemory(0, position), cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(line);
            }
        }

        /// <summary>The heading: route and host stand out; every remote string is sanitised once more here.</summary>
        private string Render(PromptRequest request)
        {
            var text = new StringBuilder();
            var rule = new string('-', 60);
            var what = request.Kind switch
            {
                PromptKind.KeyboardInteractive => "login prompt",
                PromptKind.Passphrase => "key passphrase",
                PromptKind.HostKey => "unknown host key",
                _ => "approval",
            };
            var heading = $"ssh-mux {what} for route {PromptText.Line(request.Route, 64)} -> {PromptText.Line(request.Host, 128)}";
            text.Append('\n').Append(rule).Append('\n');
            text.Append(colour ? $"\u001b[1;7m {heading} \u001b[0m" : heading).Append('\n');
            if (PromptText.Line(request.Title) is { Length: > 0 } title)
            {
                text.Append(title).Append('\n');
            }

            if (PromptText.Block(request.Instruction) is { Length: > 0 } instruction)
            {
                text.Append(instruction.TrimEnd('\n')).Append('\n');
            }

            text.Append(rule).Append('\n');
            return text.ToString();
        }
    }
}
