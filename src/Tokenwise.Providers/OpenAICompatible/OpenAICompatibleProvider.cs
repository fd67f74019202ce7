using System.Net.Http.Headers;
using Tokenwise.Json;
using Tokenwise.OpenAI;
using Tokenwise.Pipeline;

namespace Tokenwise.Providers.OpenAICompatible;

/// <summary>
/// Any server that speaks OpenAI's HTTP API: OpenAI itself, Azure OpenAI, vLLM, Ollama, Groq, ...
/// The client's body is forwarded with only the model (and the request for stream usage) changed. The key
/// goes as <c>Authorization: Bearer</c>, or unprefixed in <paramref name="apiKeyHeader"/> (Azure's <c>api-key</c>).
/// </summary>
public sealed class OpenAICompatibleProvider(string name, Uri baseUrl, string? apiKey, HttpClient http, UpstreamTimeouts timeouts,
    string? apiKeyHeader = null) : IProvider
{
    private readonly Uri _chatCompletions = UpstreamCall.Combine(baseUrl, "chat/completions");
    private readonly Uri _embeddings = UpstreamCall.Combine(baseUrl, "embeddings");
    private readonly Uri _responses = UpstreamCall.Combine(baseUrl, "responses");
    private readonly AuthenticationHeaderValue? _authorization = apiKey is null || apiKeyHeader is not null ? null : new("Bearer", apiKey);

    public string Name => name;

    /// <summary>Forwarded as is; a server without <c>/responses</c> answers with its own 404, which the client gets.</summary>
    public bool ServesResponses => true;

    public ValueTask<UpstreamResponse> SendAsync(LlmRequest request, ModelDeployment deployment, CancellationToken cancellationToken)
    {
        var rewrite = OpenAIUpstreamBody.NeedsRewrite(request, deployment.UpstreamModel);
        var rented = rewrite ? new PooledBufferWriter(request.Body.Length + 64) : null;
        if (rented is not null)
        {
            OpenAIUpstreamBody.Write(request, deployment.UpstreamModel, rented);
        }

        var message = new HttpRequestMessage(HttpMethod.Post, request.Api switch
        {
            ApiKind.Embeddings => _embeddings,
            ApiKind.Responses => _responses,
            _ => _chatCompletions,
        })
        {
            Content = new ReadOnlyMemoryContent(rented?.WrittenMemory ?? request.Body),
        };
        // Constant header values go in unparsed: no header-value objects per call.
        message.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
        message.Headers.Authorization = _authorization;
        if (apiKeyHeader is not null && apiKey is not null)
        {
            message.Headers.TryAddWithoutValidation(apiKeyHeader, apiKey);
        }
        if (request.Stream)
        {
            message.Headers.TryAddWithoutValidation("Accept", "text/event-stream");
        }

        return UpstreamCall.SendAsync(http, message, rented, name, deployment.Timeouts ?? timeouts, cancellationToken);
    }
}
