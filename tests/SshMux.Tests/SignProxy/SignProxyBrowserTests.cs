using System.Text;
using SshMux.Interop.Tests.Harness;
using SshMux.SignProxy;

namespace SshMux.Tests.SignProxy;

/// <summary>
/// DNS rebinding: a web page whose name resolves to 127.0.0.1 must not get a signature. The
/// proxy has no agent here, so a request it lets through is answered 503 by the endpoint and a
/// request it refuses is answered 403 before the endpoint runs.
/// </summary>
public sealed class SignProxyBrowserTests
{
    private const string Token = "c2lnbi1wcm94eS10ZXN0LXRva2VuLTMy";

    public static TheoryData<string, string> BrowserHeaders() => new()
    {
        { "Origin", "http://rebind.example" },
        { "Origin", "null" },
        { "Sec-Fetch-Site", "same-origin" },
        { "Sec-Fetch-Mode", "cors" },
    };

    [Theory]
    [MemberData(nameof(BrowserHeaders))]
    public async Task Request_with_a_browser_header_is_403_naming_it(string header, string value)
    {
        await using var proxy = await SignProxyHost.StartAsync(new SignProxySettings());
        using var client = proxy.CreateClient();

        var answer = await SendAsync(client, HttpMethod.Post, "sign", request => request.Headers.TryAddWithoutValidation(header, value));

        Assert.Equal(403, answer.Status);
        Assert.Equal($"forbidden: requests from a web browser are refused (the request carries {header})\n", answer.Body);
    }

    [Theory]
    [InlineData("rebind.example")]
    [InlineData("rebind.example:7221")]
    [InlineData("localhost.evil.example")]
    [InlineData("10.0.0.1")]
    public async Task Foreign_host_on_a_loopback_listener_is_403(string host)
    {
        await using var proxy = await SignProxyHost.StartAsync(new SignProxySettings());
        using var client = proxy.CreateClient();

        var sign = await SendAsync(client, HttpMethod.Post, "sign", request => request.Headers.Host = host);
        var publicKey = await SendAsync(client, HttpMethod.Get, "publickey", request => request.Headers.Host = host);

        Assert.Equal(403, sign.Status);
        Assert.StartsWith("forbidden: the Host header must name the proxy by loopback address or localhost, not \"", sign.Body, StringComparison.Ordinal);
        Assert.Contains(host.Split(':')[0], sign.Body, StringComparison.Ordinal);
        Assert.Equal(403, publicKey.Status);
    }

    [Theory]
    [InlineData("127.0.0.1:7221")]
    [InlineData("127.0.0.1")]
    [InlineData("127.1.2.3:80")]
    [InlineData("[::1]:7221")]
    [InlineData("[::ffff:127.0.0.1]")]
    [InlineData("localhost")]
    [InlineData("LOCALHOST:7221")]
    [InlineData("localhost.")]
    public async Task Loopback_host_without_browser_headers_reaches_the_endpoint(string host)
    {
        await using var proxy = await SignProxyHost.StartAsync(new SignProxySettings());
        using var client = proxy.CreateClient();

        var answer = await SendAsync(client, HttpMethod.Post, "sign", request => request.Headers.Host = host);

        Assert.Equal(503, answer.Status);
        Assert.StartsWith("no agent: ", answer.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Non_loopback_listener_takes_the_containers_name_for_the_host_but_not_a_browser()
    {
        await using var proxy = await SignProxyHost.StartAsync(new SignProxySettings { Listen = "0.0.0.0:0", Token = Token });
        using var client = proxy.CreateClient(Token);

        var container = await SendAsync(client, HttpMethod.Post, "sign", request => request.Headers.Host = "host.docker.internal:7221");
        var browser = await SendAsync(client, HttpMethod.Post, "sign", request =>
        {
            request.Headers.Host = "host.docker.internal:7221";
            request.Headers.TryAddWithoutValidation("Origin", "http://rebind.example");
        });

        Assert.Equal(503, container.Status);
        Assert.Equal(403, browser.Status);
    }

    [Fact]
    public async Task Unix_socket_mode_ignores_the_host()
    {
        using var directory = new TempDirectory("sshmux-signhost-");
        await using var proxy = await SignProxyHost.StartAsync(new SignProxySettings { Listen = "unix:" + directory.File("s.sock") });
        using var client = proxy.CreateClient();

        var answer = await SendAsync(client, HttpMethod.Post, "sign", request => request.Headers.Host = "anything.example");

        Assert.Equal(503, answer.Status);
    }

    private static async Task<ProxyAnswer> SendAsync(HttpClient client, HttpMethod method, string path, Action<HttpRequestMessage> decorate)
    {
        using var request = new HttpRequestMessage(method, path);
        if (method == HttpMethod.Post)
        {
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes("object to sign\n"));
        }

        decorate(request);
        return await ProxyAnswer.ReadAsync(await client.SendAsync(request));
    }
}
