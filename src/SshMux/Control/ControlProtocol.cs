using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using SshMux.Pool;
using SshMux.Prompts;

namespace SshMux.Control;

/// <summary>
/// The control protocol's messages (docs/control-protocol.md): requests are one word per
/// line, replies "ok ..." or "error ...", and JSON for the status and for prompts.
/// </summary>
internal static class ControlProtocol
{
    public const string Status = "status";
    public const string Stop = "stop";
    public const string Lock = "lock";
    public const string Unlock = "unlock";
    public const string PromptAttach = "prompt-attach";
    public const string Answer = "answer";
    public const string Cancel = "cancel";

    public static string Ok(string detail) => "ok " + detail;

    /// <summary>An error reply; control characters are removed so it stays one line.</summary>
    public static string Error(string message) => "error " + PromptText.Line(message, 1024);

    public static string StatusJson(bool locked, IReadOnlyList<PoolEntryStatus> entries)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteBoolean("locked", locked);
            json.WriteStartArray("entries");
            foreach (var entry in entries)
            {
                json.WriteStartObject();
                json.WriteString("route", entry.Route);
                json.WriteString("upstream", entry.Upstream);
                json.WriteNumber("age_seconds", Math.Round(entry.Age.TotalSeconds, 3));
                json.WriteNumber("idle_seconds", Math.Round(entry.Idle.TotalSeconds, 3));
                json.WriteNumber("channels", entry.Channels);
                json.WriteNumber("bytes_in", entry.BytesIn);
                json.WriteNumber("bytes_out", entry.BytesOut);
                json.WriteString("state", entry.State);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Parses a status reply; throws <see cref="ControlException"/> when it is not one.</summary>
    public static (bool Locked, IReadOnlyList<PoolEntryStatus> Entries) ParseStatus(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            var root = document.RootElement;
            var entries = new List<PoolEntryStatus>();
            foreach (var e in root.GetProperty("entries").EnumerateArray())
            {
                entries.Add(new PoolEntryStatus(
                    e.GetProperty("route").GetString() ?? string.Empty,
                    e.GetProperty("upstream").GetString() ?? string.Empty,
                    TimeSpan.FromSeconds(e.GetProperty("age_seconds").GetDouble()),
                    TimeSpan.FromSeconds(e.GetProperty("idle_seconds").GetDouble()),
                    e.GetProperty("channels").GetInt32(),
                    e.GetProperty("bytes_in").GetInt64(),
                    e.GetProperty("bytes_out").GetInt64(),
                    e.GetProperty("state").GetString() ?? string.Empty));
            }

            return (root.GetProperty("locked").GetBoolean(), entries);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new ControlException("The daemon's status reply is not valid: " + e.Message, e);
        }
    }

    /// <summary>A prompt for an attached front end; the daemon sanitises the remote text before it leaves.</summary>
    public static string PromptJson(long id, PromptRequest request)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("type", "prompt");
            json.WriteNumber("id", id);
            json.WriteString("kind", KindName(request.Kind));
            json.WriteString("route", PromptText.Line(request.Route, 64));
            json.WriteString("host", PromptText.Line(request.Host, 128));
            json.WriteString("title", PromptText.Line(request.Title));
            json.WriteString("instruction", PromptText.Block(request.Instruction));
            json.WriteStartArray("fields");
            foreach (var field in request.Fields)
            {
                json.WriteStartObject();
                json.WriteString("text", PromptText.Line(field.Text));
                json.WriteBoolean("echo", field.Echo);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Tells an attached front end that a prompt is no longer wanted (timed out, answered elsewhere).</summary>
    public static string CancelJson(long id) => "{\"type\":\"cancel\",\"id\":" + id.ToString(CultureInfo.InvariantCulture) + "}";

    /// <summary>One message to an attached front end: a prompt (with its id) or the cancellation of one.</summary>
    public static (string Type, long Id, PromptRequest? Request) ParsePromptMessage(ReadOnlySpan<byte> line)
    {
        try
        {
            var reader = new Utf8JsonReader(line);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            var type = root.GetProperty("type").GetString() ?? string.Empty;
            var id = root.GetProperty("id").GetInt64();
            if (type != "prompt")
            {
                return (type, id, null);
            }

            var fields = root.GetProperty("fields").EnumerateArray()
                .Select(f => new PromptField(f.GetProperty("text").GetString() ?? string.Empty, f.GetProperty("echo").GetBoolean()))
                .ToArray();
            var request = new PromptRequest(
                ParseKind(root.GetProperty("kind").GetString()),
                root.GetProperty("route").GetString() ?? string.Empty,
                root.GetProperty("host").GetString() ?? string.Empty,
                root.GetProperty("title").GetString() ?? string.Empty,
                root.GetProperty("instruction").GetString() ?? string.Empty,
                fields);
            return (type, id, request);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new ControlException("The daemon sent a prompt message that is not valid: " + e.Message, e);
        }
    }

    public static string KindName(PromptKind kind) => kind switch
    {
        PromptKind.KeyboardInteractive => "keyboard-interactive",
        PromptKind.Passphrase => "passphrase",
        PromptKind.HostKey => "host-key",
        _ => "approval",
    };

    private static PromptKind ParseKind(string? name) => name switch
    {
        "keyboard-interactive" => PromptKind.KeyboardInteractive,
        "passphrase" => PromptKind.Passphrase,
        "host-key" => PromptKind.HostKey,
        "approval" => PromptKind.Approval,
        _ => throw new FormatException($"unknown prompt kind \"{PromptText.Line(name, 32)}\""),
    };
}
