namespace SshMux.Ssh.Tests.Support;

public static class Wait
{
    /// <summary>Polls a condition; fails the test (rather than hanging) after the bound.</summary>
    public static async Task UntilAsync(Func<bool> condition, int timeoutMs = 20000)
    {
        var deadline = Environment.TickCount64 + timeoutMs;
        while (!condition())
        {
            if (Environment.TickCount64 > deadline)
            {
                Assert.Fail($"Condition not met within {timeoutMs} ms");
            }

            await Task.Delay(5);
        }
    }
}
