using System.CommandLine;
using System.Net;
using System.Net.Sockets;

namespace SshMux.Cli;

/// <summary>
/// `ssh-mux connect [USER@]HOST[:PORT]`: stdio mode for ssh's ProxyCommand. Carries the SSH
/// stream between standard input/output and the running daemon's local server on
/// 127.0.0.1:PORT (-p, default 2222). The daemon picks the route from the SSH user name
/// inside the stream; the argument is checked and names the target in messages.
/// </summary>
internal static class ConnectCommand
{
    public static Command Create()
    {
        var target = new Argument<string>("target") { Description = "USER@HOST[:PORT] as ssh's ProxyCommand passes it (%r@%h:%p)" };
        var port = new Option<int>("--port", "-p") { Description = "Port of the daemon's local server on 127.0.0.1", DefaultValueFactory = _ => 2222 };
        var command = new Command("connect", "Carry one SSH connection over stdin/stdout to the running daemon (for ProxyCommand)") { target, port };
        command.SetAction(async (parse, ct) =>
        {
            var text = parse.GetValue(target)!;
            var at = text.LastIndexOf('@');
            var user = at < 0 ? null : text[..at];
            var error = user is { Length: 0 } || user?.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)) == true
                ? "the user name is empty or contains white space or control characters"
                : null;
            if (error is not null || !HostPort.TryParse(at < 0 ? text : text[(at + 1)..], 22, out var host, out error))
            {
                await Console.Error.WriteLineAsync($"ssh-mux connect: \"{Prompts.PromptText.Line(text, 128)}\" is not [USER@]HOST[:PORT]: {error}").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            var localPort = parse.GetValue(port);
            if (localPort is < 1 or > 65535)
            {
                await Console.Error.WriteLineAsync("ssh-mux connect: --port must be between 1 and 65535").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            return await RunAsync(host, localPort, Console.OpenStandardInput(), Console.OpenStandardOutput(), ct).ConfigureAwait(false);
        });
        return command;
    }

    public static async Task<int> RunAsync(HostPort target, int port, Stream input, Stream output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            await Console.Error.WriteLineAsync($"ssh-mux connect: no ssh-mux daemon is listening on 127.0.0.1:{port} for {target} ({e.Message}); start it with `ssh-mux daemon -p {port}`").ConfigureAwait(false);
            return ExitCodes.Unreachable;
        }

        await using var network = new NetworkStream(socket, ownsSocket: false);
        var upstream = Task.Run(async () =>
        {
            try
            {
                await input.CopyToAsync(network, 1 << 16, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException)
            {
                // ssh closed its end; the shutdown below tells the daemon.
            }

            try
            {
                socket.Shutdown(SocketShutdown.Send);
            }
            catch (SocketException)
            {
                // Already closed by the daemon.
            }
        }, CancellationToken.None);

        try
        {
            // The daemon's side ending ends the connection, whatever stdin is doing.
            await network.CopyToAsync(output, 1 << 16, cancellationToken).ConfigureAwait(false);
            await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            await Console.Error.WriteLineAsync($"ssh-mux connect: the connection to 127.0.0.1:{port} broke: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Unreachable;
        }

        _ = upstream;
        return ExitCodes.Success;
    }
}
