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
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        message.Headers.Authorization = _authorization;
        if (request.Stream)
        {
            message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        }

        // The total deadline outlives this method: it bounds reading the body too, so it belongs to the response.
        var deadline = new CancellationTokenSource(timeouts.Total);
        using var firstByte = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        firstByte.CancelAfter(timeouts.FirstByte);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, firstByte.Token);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is OperationCanceledException or HttpRequestException)
        {
            Release(message, rented, deadline);
            throw Translate(e, firstByte.IsCancellationRequested);
        }
        catch
        {
            Release(message, rented, deadline);
            throw;
        }

        // Past the headers, an expired total deadline aborts the body read by disposing the response.
        var abortOnDeadline = deadline.Token.Register(static state => ((HttpResponseMessage)state!).Dispose(), response);
        var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        return new UpstreamResponse(
            (int)response.StatusCode,
            response.Content.Headers.ContentType?.ToString(),
            body,
            new CallResources(message, response, rented, deadline, abortOnDeadline))
        {
            RetryAfter = response.Headers.RetryAfter?.ToString(),
            UpstreamRequestId = response.Headers.TryGetValues("x-request-id", out var ids) ? ids.FirstOrDefault() : null,
            Deadline = deadline.Token,
        };
    }

    private UpstreamException Translate(Exception e, bool timedOut)
    {
        if (e is HttpRequestException { InnerException: TimeoutException } || e is OperationCanceledException { InnerException: TimeoutException })
        {
            return new UpstreamException(GatewayError.UpstreamTimeout(name, "connect"), e);
        }

        return timedOut && e is OperationCanceledException
            ? new UpstreamException(GatewayError.UpstreamTimeout(name, "first-byte"), e)
            : new UpstreamException(GatewayError.UpstreamUnavailable(name, e.Message), e);
    }

    private static void Release(HttpRequestMessage message, PooledBufferWriter? rented, CancellationTokenSource deadline)
    {
        message.Dispose();
        rented?.Dispose();
        deadline.Dispose();
    }

    private static Uri Combine(Uri baseUrl, string path)
    {
        var text = baseUrl.ToString();
        return new Uri(text.EndsWith('/') ? text + path : text + "/" + path);
    }

    /// <summary>Everything one upstream call holds until its body has been read.</summary>
    private sealed class CallResources(HttpRequestMessage message, HttpResponseMessage response, PooledBufferWriter? rented,
        CancellationTokenSource deadline, CancellationTokenRegistration abortOnDeadline) : IDisposable
    {
        public void Dispose()
        {
            abortOnDeadline.Dispose();
            response.Dispose();
            Release(message, rented, deadline);
        }
    }
}
