using System.Text;

namespace SshMux.Relay;

/// <summary>Asks the person at the terminal (until the prompt broker arrives). Never echoes or logs a secret.</summary>
internal static class Prompt
{
    /// <summary>Reads a passphrase without echo; null when there is no terminal to ask on.</summary>
    public static byte[]? ReadPassphrase(string keyDescription)
    {
        if (Console.IsInputRedirected)
        {
            return null;
        }

        Console.Error.Write($"Enter passphrase for {keyDescription}: ");
        var chars = new List<char>();
        try
        {
            while (true)
            {
                var key = Console.ReadKey(intercept: true);
                if (key.Key == ConsoleKey.Enter)
                {
                    break;
                }

                if (key.Key == ConsoleKey.Backspace)
                {
                    if (chars.Count > 0)
                    {
                        chars.RemoveAt(chars.Count - 1);
                    }

                    continue;
                }

                chars.Add(key.KeyChar);
            }

            Console.Error.WriteLine();
            var array = chars.ToArray();
            var bytes = Encoding.UTF8.GetBytes(array);
            Array.Clear(array);
            return bytes;
        }
        finally
        {
            chars.Clear();
        }
    }
}
