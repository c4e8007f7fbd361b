using System.Buffers;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using SshMux.Ssh.Signatures;
using SshMux.Ssh.Transport;

namespace SshMux.SignProxy;

/// <summary>
/// The three endpoints. Every answer is text/plain: the armoured signature, the public key line,
/// "ok", or for an error one line saying what went wrong, with the status scripts can test.
/// </summary>
internal sealed class SignProxyEndpoints(SignProxyOptions options, SshLog log)
{
    private const string TextPlain = "text/plain; charset=utf-8";

    private readonly AgentSigner _signer = new(options.Upstream, options.PinnedKey, options.AgentTimeout);

    /// <summary>Runs before every endpoint: refuses what <see cref="BrowserRequestGuard"/> says a browser sent.</summary>
    public Task GuardAsync(HttpContext context, RequestDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (BrowserRequestGuard.Refusal(context.Request, options.Listen) is not { } refusal)
        {
            return next(context);
        }

        log(SshLogLevel.Warning, $"{context.Request.Path}: {SignProxyStatus.Forbidden} {refusal}");
        return WriteAsync(context, SignProxyStatus.Forbidden, refusal + "\n");
    }

    public Task HealthAsync(HttpContext context) => WriteAsync(context, SignProxyStatus.Ok, "ok\n");

    public Task PublicKeyAsync(HttpContext context) => ServeAsync(context, "publickey", async ct =>
    {
        Authorize(context);
        return await _signer.PublicKeyLineAsync(ct).ConfigureAwait(false);
    });

    public Task SignAsync(HttpContext context) => ServeAsync(context, "sign", async ct =>
    {
        // The limit is enforced while hashing, below. Kestrel's own limit is lifted for this
        // request so that after an early answer (401, 413) it drains the unread body (for at
        // most its drain timeout) instead of resetting the connection, which would make the
        // client lose the answer while it is still sending.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } kestrelLimit)
        {
            kestrelLimit.MaxRequestBodySize = null;
        }

        Authorize(context);
        var requested = context.Request.Query["namespace"];
        if (requested.Count > 0 && (requested.Count > 1 || !string.Equals(requested[0], options.Namespace, StringComparison.Ordinal)))
        {
            throw new SignProxyException(SignProxyStatus.BadRequest,
                $"malformed request: this proxy signs only in namespace \"{options.Namespace}\", not \"{Printable(requested.ToString())}\"");
        }

        var hash = await HashBodyAsync(context.Request, ct).ConfigureAwait(false);
        return await _signer.SignAsync(options.Namespace, hash, ct).ConfigureAwait(false);
    });

    /// <summary>Client text quoted in a reason line: short, and without line breaks or control characters.</summary>
    internal static string Printable(string text)
    {
        var shown = text.Length <= 64 ? text : text[..64] + "...";
        return string.Create(shown.Length, shown, (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                span[i] = char.IsControl(source[i]) ? '?' : source[i];
            }
        });
    }

    private void Authorize(HttpContext context)
    {
        if (options.Token is { } token && !token.Matches(context.Request.Headers.Authorization.ToString()))
        {
            context.Response.Headers.WWWAuthenticate = "Bearer realm=\"ssh-mux sign-proxy\"";
            throw new SignProxyException(SignProxyStatus.Unauthorized, "unauthorized: this proxy requires \"Authorization: Bearer TOKEN\"");
        }
    }

    /// <summary>
    /// Streams the body into SHA-512 (PROTOCOL.sshsig signs the message's hash, never the message)
    /// so a large body is never held whole; counts it against the limit as it goes.
    /// </summary>
    private async Task<byte[]> HashBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > options.MaxBodyBytes)
        {
            throw TooLarge();
        }

        using var hash = SshSignature.CreateMessageHash();
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        long total = 0;
        try
        {
            while (true)
            {
                int read;
                try
                {
                    read = await request.Body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                }
                catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
                {
                    throw TooLarge();
                }

                if (read == 0)
                {
                    break;
                }

                total += read;
                if (total > options.MaxBodyBytes)
                {
                    throw TooLarge();
                }

                hash.AppendData(buffer, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer, clearArray: true);
        }

        if (total == 0)
        {
            throw new SignProxyException(SignProxyStatus.BadRequest, "malformed request: the body is empty; POST the bytes to sign");
        }

        return hash.GetHashAndReset();
    }

    private SignProxyException TooLarge() => new(SignProxyStatus.TooLarge,
        $"request too large: the body is over the {options.MaxBodyBytes}-byte limit (--max-body / {SignProxySettings.MaxBodyVariable})");

    private async Task ServeAsync(HttpContext context, string what, Func<CancellationToken, Task<string>> handle)
    {
        string answer;
        int status;
        try
        {
            answer = await handle(context.RequestAborted).ConfigureAwait(false);
            status = SignProxyStatus.Ok;
            log(SshLogLevel.Debug, $"{what}: ok");
        }
        catch (SignProxyException e)
        {
            status = e.Status;
            answer = e.Message + "\n";
            log(SshLogLevel.Warning, $"{what}: {status} {e.Message}");
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            status = StatusCodes.Status500InternalServerError;
            answer = "internal error: " + e.Message.ReplaceLineEndings(" ") + "\n";
            log(SshLogLevel.Error, $"{what}: {e}");
        }

        await WriteAsync(context, status, answer).ConfigureAwait(false);
    }

    private static async Task WriteAsync(HttpContext context, int status, string text)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = TextPlain;
        context.Response.Headers.CacheControl = "no-store";
        await context.Response.WriteAsync(text, context.RequestAborted).ConfigureAwait(false);
    }
}
