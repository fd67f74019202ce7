using System.Diagnostics;
using System.Net.Http.Headers;
using Tokenwise.Json;
using Tokenwise.OpenAI;
using Tokenwise.Pipeline;

namespace Tokenwise.Providers.OpenAICompatible;

/// <summary>
/// Any server that speaks OpenAI's HTTP API: OpenAI itself, Azure OpenAI, vLLM, Ollama, Groq, ...
/// The client's body is forwarded with only the model (and the request for stream usage) changed.
/// </summary>
public sealed class OpenAICompatibleProvider(string name, Uri baseUrl, string? apiKey, HttpClient http, UpstreamTimeouts timeouts) : IProvider
{
    private readonly Uri _chatCompletions = Combine(baseUrl, "chat/completions");
    private readonly Uri _embeddings = Combine(baseUrl, "embeddings");
    private readonly AuthenticationHeaderValue? _authorization = apiKey is null ? null : new("Bearer", apiKey);

    public string Name => name;

    public async ValueTask<UpstreamResponse> SendAsync(LlmRequest request, ModelDeployment deployment, CancellationToken cancellationToken)
    {
        var rewrite = OpenAIUpstreamBody.NeedsRewrite(request, deployment.UpstreamModel);
        var rented = rewrite ? new PooledBufferWriter(request.Body.Length + 64) : null;
        if (rented is not null)
        {
            OpenAIUpstreamBody.Write(request, deployment.UpstreamModel, rented);
        }

        var message = new HttpRequestMessage(HttpMethod.Post, request.Api == ApiKind.Embeddings ? _embeddings : _chatCompletions)
        {
            Content = new ReadOnlyMemoryContent(rented?.WrittenMemory ?? request.Body),
        };
        // Constant header values go in unparsed: no header-value objects per call.
        message.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
        message.Headers.Authorization = _authorization;
        if (request.Stream)
        {
            message.Headers.TryAddWithoutValidation("Accept", "text/event-stream");
        }

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
            throw Translate(e, call.IsCancellationRequested);
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
            throw new UpstreamException(GatewayError.UpstreamTimeout(name, "total"));
        }

        call.CancelAfter(remaining);
        // Past the headers, cancellation aborts the body read (and the upstream call) by disposing the response.
        var resources = new CallResources(message, response, rented, call,
            call.Token.Register(static state => ((HttpResponseMessage)state!).Dispose(), response));
        Stream body;
        try
        {
            body = await response.Content.ReadAsStreamAsync(cancellationToken);
        }
        catch
        {
            resources.Dispose();
            throw;
        }

        return new UpstreamResponse(
            (int)response.StatusCode,
            response.Content.Headers.NonValidated.TryGetValues("Content-Type", out var contentType) ? contentType.ToString() : null,
            body,
            resources)
        {
            RetryAfter = response.Headers.NonValidated.TryGetValues("Retry-After", out var retryAfter) ? retryAfter.ToString() : null,
            ReadCancellation = call.Token,
        };
    }

    private UpstreamException Translate(Exception e, bool timedOut)
    {
        if (e is HttpRequestException { InnerException: TimeoutException } || e is OperationCanceledException { InnerException: TimeoutException })
        {
            return new UpstreamException(GatewayError.UpstreamTimeout(name, "connect"), e);
        }

        return timedOut && e is OperationCanceledException
            ? new UpstreamException(GatewayError.UpstreamTimeout(name, timeouts.FirstByte < timeouts.Total ? "first-byte" : "total"), e)
            : new UpstreamException(GatewayError.UpstreamUnavailable(name, e.Message), e);
    }

    private static void Release(HttpRequestMessage message, PooledBufferWriter? rented, CancellationTokenSource call)
    {
        message.Dispose();
        rented?.Dispose();
        call.Dispose();
    }

    private static Uri Combine(Uri baseUrl, string path)
    {
        var text = baseUrl.ToString();
        return new Uri(text.EndsWith('/') ? text + path : text + "/" + path);
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
