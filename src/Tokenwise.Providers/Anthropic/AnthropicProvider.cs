using Tokenwise.Anthropic;
using Tokenwise.Json;
using Tokenwise.Pipeline;

namespace Tokenwise.Providers.Anthropic;

/// <summary>
/// Anthropic's Messages API, native: an Anthropic-dialect request is forwarded with only the model
/// changed, authenticated with the provider's key (<c>x-api-key</c>), never the client's. The
/// client's <c>anthropic-version</c> and <c>anthropic-beta</c> travel on; without a version of its
/// own the request is sent as <see cref="DefaultVersion"/>.
/// </summary>
public sealed class AnthropicProvider(string name, Uri baseUrl, string? apiKey, HttpClient http, UpstreamTimeouts timeouts) : IProvider
{
    public const string DefaultVersion = "2023-06-01";
    private const string VersionHeader = "anthropic-version";

    private readonly Uri _messages = UpstreamCall.Combine(baseUrl, "v1/messages");
    private readonly Uri _countTokens = UpstreamCall.Combine(baseUrl, "v1/messages/count_tokens");

    public string Name => name;

    public bool Accepts(string dialect) => dialect == AnthropicRequestParser.Dialect;

    public ValueTask<UpstreamResponse> SendAsync(LlmRequest request, ModelDeployment deployment, CancellationToken cancellationToken)
    {
        var rented = AnthropicUpstreamBody.NeedsRewrite(request, deployment.UpstreamModel) ? new PooledBufferWriter(request.Body.Length + 64) : null;
        if (rented is not null)
        {
            AnthropicUpstreamBody.Write(request, deployment.UpstreamModel, rented);
        }

        var message = new HttpRequestMessage(HttpMethod.Post, request.Api == ApiKind.CountTokens ? _countTokens : _messages)
        {
            Content = new ReadOnlyMemoryContent(rented?.WrittenMemory ?? request.Body),
        };
        message.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
        if (apiKey is not null)
        {
            message.Headers.TryAddWithoutValidation("x-api-key", apiKey);
        }

        var hasVersion = false;
        foreach (var (header, value) in request.DialectHeaders)
        {
            message.Headers.TryAddWithoutValidation(header, value);
            hasVersion |= string.Equals(header, VersionHeader, StringComparison.OrdinalIgnoreCase);
        }

        if (!hasVersion)
        {
            message.Headers.TryAddWithoutValidation(VersionHeader, DefaultVersion);
        }

        if (request.Stream)
        {
            message.Headers.TryAddWithoutValidation("Accept", "text/event-stream");
        }

        return UpstreamCall.SendAsync(http, message, rented, name, deployment.Timeouts ?? timeouts, cancellationToken);
    }
}
