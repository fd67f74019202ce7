using System.Diagnostics;
using Tokenwise.Json;
using Tokenwise.Pipeline;
using Tokenwise.Streams;

namespace Tokenwise.Providers;

/// <summary>
/// Sends one prepared request to an upstream over the shared pooled client, under the gateway's
/// timeouts (connect via the handler, first byte, total), and hands back the response with its body
/// still to be read. Every HTTP provider calls upstream through here.
/// </summary>
internal static class UpstreamCall
{
    private const int MaxErrorBytes = 1024 * 1024;
    private const int MaxRequestIdLength = 200;

    /// <summary>
    /// Sends <paramref name="message"/>; the call owns it and <paramref name="rented"/> (the body's buffer)
    /// from here on and releases them once the response body is disposed, or at once on failure.
    /// </summary>
    /// <exception cref="UpstreamException">The upstream could not be reached or timed out.</exception>
    public static async ValueTask<UpstreamResponse> SendAsync(HttpClient http, HttpRequestMessage message, PooledBufferWriter? rented,
        string provider, UpstreamTimeouts timeouts, CancellationToken cancellationToken)
    {
        // The provider's client says which HTTP version to ask for; HttpClient applies it only to requests it creates itself.
        message.Version = http.DefaultRequestVersion;
        message.VersionPolicy = http.DefaultVersionPolicy;
        // One source bounds the whole call: it follows the caller's token, fires at the first-byte
        // timeout while the headers are awaited, and is then re-armed for what is left of the total
        // timeout, so that it also bounds reading the body (through UpstreamResponse.ReadCancellation).
        var call = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        call.CancelAfter(timeouts.FirstByte < timeouts.Total ? timeouts.FirstByte : timeouts.Total);
        var sentAt = Stopwatch.GetTimestamp();
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, call.Token);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is OperationCanceledException or HttpRequestException)
        {
            Release(message, rented, call);
            throw Translate(e, call.IsCancellationRequested, provider, timeouts);
        }
        catch
        {
            Release(message, rented, call);
            throw;
        }

        var remaining = timeouts.Total - Stopwatch.GetElapsedTime(sentAt);
        if (remaining <= TimeSpan.Zero)
        {
            response.Dispose();
            Release(message, rented, call);
            throw new UpstreamException(GatewayError.UpstreamTimeout(provider, "total"));
        }

        call.CancelAfter(remaining);
        // Past the headers, cancellation aborts the body read (and the upstream call) by disposing the response.
        var resources = new CallResources(message, response, rented, call,
            call.Token.Register(static state => ((HttpResponseMessage)state!).Dispose(), response));
        Stream body;
        try
        {
            // Broken text in an answer is mended here, once, before anything reads it (see TextRepairingStream).
            body = new TextRepairingStream(await response.Content.ReadAsStreamAsync(cancellationToken));
        }
        catch
        {
            resources.Dispose();
            throw;
        }

        return new UpstreamResponse(
            (int)response.StatusCode,
            response.Content.Headers.NonValidated.TryGetValues("Content-Type", out var contentType) ? Printable(contentType.ToString()) : null,
            body,
            resources)
        {
            RetryAfter = response.Headers.NonValidated.TryGetValues("Retry-After", out var retryAfter) ? Printable(retryAfter.ToString()) : null,
            RequestId = ProviderRequestId(response),
            ReadCancellation = call.Token,
        };
    }

    /// <summary>
    /// Reads <paramref name="upstream"/>'s whole body (an answer, or an error's first <see cref="MaxErrorBytes"/>) into
    /// <paramref name="answer"/> to be translated, within the call's total timeout; a timeout or a broken connection
    /// is the upstream's failure, not the client's.
    /// </summary>
    /// <exception cref="UpstreamException">The read timed out or the connection broke.</exception>
    public static async ValueTask ReadWholeAsync(UpstreamResponse upstream, PooledBufferWriter answer, string provider, CancellationToken cancellationToken)
    {
        bool whole;
        try
        {
            // An error body past its limit is kept cut short; an answer past the limit cannot be translated.
            whole = await answer.ReadFromAsync(upstream.Body, upstream.IsSuccess ? UpstreamResponse.MaxAnswerBytes : MaxErrorBytes, upstream.ReadCancellation);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is OperationCanceledException or IOException or ObjectDisposedException)
        {
            throw new UpstreamException(upstream.ReadCancellation.IsCancellationRequested
                ? GatewayError.UpstreamTimeout(provider, "total")
                : GatewayError.UpstreamUnavailable(provider, "the connection broke while reading the answer"), e);
        }

        if (!whole && upstream.IsSuccess)
        {
            throw new UpstreamException(GatewayError.UpstreamAnswerTooLarge(provider));
        }
    }

    /// <summary>
    /// The provider's id for the call: OpenAI and most compatible servers send <c>x-request-id</c>, Anthropic
    /// <c>request-id</c>. One that is not a short token of visible ASCII is dropped: it is written into the client's
    /// response headers and the usage log, and a hostile upstream must not be able to break either.
    /// </summary>
    private static string? ProviderRequestId(HttpResponseMessage response)
    {
        var headers = response.Headers.NonValidated;
        if (!headers.TryGetValues("x-request-id", out var values) && !headers.TryGetValues("request-id", out values))
        {
            return null;
        }

        var id = values.ToString();
        return id.Length is > 0 and <= MaxRequestIdLength && !id.AsSpan().ContainsAnyExceptInRange('!', '~') ? id : null;
    }

    /// <summary>
    /// A header value the gateway passes on to its client, if it is printable ASCII: Kestrel refuses to write any other
    /// (a Latin-1 <c>é</c> in an upstream's Content-Type made the relay a 500), so such a value is dropped as unsent.
    /// </summary>
    private static string? Printable(string value) => value.AsSpan().ContainsAnyExceptInRange(' ', '~') ? null : value;

    /// <summary><paramref name="path"/> under <paramref name="baseUrl"/>, whether or not the base ends in a slash.</summary>
    public static Uri Combine(Uri baseUrl, string path)
    {
        var text = baseUrl.ToString();
        return new Uri(text.EndsWith('/') ? text + path : text + "/" + path);
    }

    private static UpstreamException Translate(Exception e, bool timedOut, string provider, UpstreamTimeouts timeouts)
    {
        if (e is HttpRequestException { InnerException: TimeoutException } || e is OperationCanceledException { InnerException: TimeoutException })
        {
            return new UpstreamException(GatewayError.UpstreamTimeout(provider, "connect"), e);
        }

        return timedOut && e is OperationCanceledException
            ? new UpstreamException(GatewayError.UpstreamTimeout(provider, timeouts.FirstByte < timeouts.Total ? "first-byte" : "total"), e)
            : new UpstreamException(GatewayError.UpstreamUnavailable(provider, e.Message), e);
    }

    private static void Release(HttpRequestMessage message, PooledBufferWriter? rented, CancellationTokenSource call)
    {
        message.Dispose();
        rented?.Dispose();
        call.Dispose();
    }

    /// <summary>Everything one upstream call holds until its body has been read.</summary>
    private sealed class CallResources(HttpRequestMessage message, HttpResponseMessage response, PooledBufferWriter? rented,
        CancellationTokenSource call, CancellationTokenRegistration abortOnCancel) : IDisposable
    {
        public void Dispose()
        {
            abortOnCancel.Dispose();
            response.Dispose();
            Release(message, rented, call);
        }
    }
}
