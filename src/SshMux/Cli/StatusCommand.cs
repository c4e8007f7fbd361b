using System.CommandLine;
using System.Globalization;
using System.Text;
using SshMux.Control;
using SshMux.Pool;
using SshMux.Prompts;

namespace SshMux.Cli;

/// <summary>`ssh-mux status`: the pool as a table (route, upstream, age, idle, channels, bytes, state), or the daemon's JSON with --json.</summary>
internal static class StatusCommand
{
    private static readonly string[] Headings = ["ROUTE", "UPSTREAM", "AGE", "IDLE", "CHANNELS", "BYTES IN/OUT", "STATE"];

    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print the daemon's status as JSON" };
        var command = new Command("status", "Show the pooled upstream connections of the running daemon") { json };
        command.SetAction((parse, ct) => ControlCli.RunAsync("status", ControlProtocol.Status, async reply =>
        {
            if (parse.GetValue(json))
            {
                await Console.Out.WriteLineAsync(reply).ConfigureAwait(false);
                return ExitCodes.Success;
            }

            var (locked, entries) = ControlProtocol.ParseStatus(reply);
            await Console.Out.WriteAsync(Format(locked, entries, ControlCli.UseColour)).ConfigureAwait(false);
            return ExitCodes.Success;
        }, ct));
        return command;
    }

    /// <summary>The table; every cell is sanitised (route and host names come from configuration files).</summary>
    public static string Format(bool locked, IReadOnlyList<PoolEntryStatus> entries, bool colour)
    {
        var text = new StringBuilder();
        text.Append("ssh-mux daemon: pool ").Append(locked ? Paint("locked (new sessions are refused)", "33", colour) : "unlocked")
            .Append(", ").Append(entries.Count.ToString(CultureInfo.InvariantCulture)).Append(entries.Count == 1 ? " connection\n" : " connections\n");
        if (entries.Count == 0)
        {
            return text.ToString();
        }

        var rows = entries.Select(e => new[]
        {
            PromptText.Line(e.Route, 40),
            PromptText.Line(e.Upstream, 80),
            Duration(e.Age),
            Duration(e.Idle),
            e.Channels.ToString(CultureInfo.InvariantCulture),
            $"{Bytes(e.BytesIn)}/{Bytes(e.BytesOut)}",
            PromptText.Line(e.State, 16),
        }).ToList();
        var widths = Headings.Select((h, i) => Math.Max(h.Length, rows.Max(r => r[i].Length))).ToArray();
        AppendRow(text, Headings, widths, colour ? "1" : null, null);
        foreach (var row in rows)
        {
            AppendRow(text, row, widths, null, colour ? StateColour(row[^1]) : null);
        }

        return text.ToString();
    }

    private static void AppendRow(StringBuilder text, string[] cells, int[] widths, string? rowColour, string? stateColour)
    {
        var line = new StringBuilder();
        for (var i = 0; i < cells.Length; i++)
        {
            var numeric = i is 4;
            var cell = numeric ? cells[i].PadLeft(widths[i]) : cells[i].PadRight(widths[i]);
            if (i == cells.Length - 1)
            {
                cell = cells[i];
                if (stateColour is not null)
                {
                    cell = Paint(cell, stateColour, true);
                }
            }

            line.Append(cell);
            if (i < cells.Length - 1)
            {
                line.Append("  ");
            }
        }

        text.Append(rowColour is null ? line.ToString() : Paint(line.ToString(), rowColour, true)).Append('\n');
    }

    private static string? StateColour(string state) => state switch
    {
        "active" => "32",
        "idle" => null,
        "draining" => "33",
        _ => "31",
    };

    private static string Paint(string text, string code, bool colour) => colour ? $"\u001b[{code}m{text}\u001b[0m" : text;

    public static string Duration(TimeSpan span)
    {
        var seconds = (long)Math.Max(0, span.TotalSeconds);
        return seconds switch
        {
            < 60 => $"{seconds}s",
            < 3600 => $"{seconds / 60}m{seconds % 60:00}s",
            < 86400 => $"{seconds / 3600}h{seconds % 3600 / 60:00}m",
            _ => $"{seconds / 86400}d{seconds % 86400 / 3600:00}h",
        };
    }

    public static string Bytes(long count) => count switch
    {
        < 1024 => count.ToString(CultureInfo.InvariantCulture) + " B",
        < 1024 * 1024 => (count / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) + " KiB",
        < 1024L * 1024 * 1024 => (count / (1024.0 * 1024)).ToString("0.0", CultureInfo.InvariantCulture) + " MiB",
        _ => (count / (1024.0 * 1024 * 1024)).ToString("0.00", CultureInfo.InvariantCulture) + " GiB",
    };
}
