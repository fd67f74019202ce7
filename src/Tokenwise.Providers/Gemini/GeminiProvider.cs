using System.Text.Json;
using Tokenwise.Json;
using Tokenwise.OpenAI;
using Tokenwise.Pipeline;
using Tokenwise.Providers.Translation;
using Tokenwise.Streams;

namespace Tokenwise.Providers.Gemini;

/// <summary>
/// Google's Gemini API (<c>generateContent</c>, <c>streamGenerateContent?alt=sse</c>) behind the
/// OpenAI dialect: the client's OpenAI body is translated into Gemini's, and Gemini's answer, stream
/// and errors back into OpenAI's wire format, so the endpoint relays and meters it like any OpenAI answer.
/// </summary>
public sealed class GeminiProvider(string name, Uri baseUrl, string? apiKey, HttpClient http, UpstreamTimeouts timeouts, TimeProvider time) : IProvider
{
    public const string DefaultBaseUrl = "https://generativelanguage.googleapis.com";

    private readonly string _models = baseUrl.ToString().TrimEnd('/') + "/v1beta/models/";

    public string Name => name;

    public async ValueTask<UpstreamResponse> SendAsync(LlmRequest request, ModelDeployment deployment, CancellationToken cancellationToken)
    {
        if (request.Api != ApiKind.ChatCompletions)
        {
            throw new UpstreamException(GatewayError.InvalidRequest(
                $"Provider '{name}' (Gemini) serves chat completions only; embeddings are not translated.", "unsupported_endpoint", "model"));
        }

        if (!GeminiRequestTranslator.TryTranslate(request.Body, out var gemini, out var refused))
        {
            throw new UpstreamException(refused);
        }

        var model = Uri.EscapeDataString(deployment.UpstreamModel);
        var message = new HttpRequestMessage(HttpMethod.Post, _models + model + (request.Stream ? ":streamGenerateContent?alt=sse" : ":generateContent"))
        {
            Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(gemini)),
        };
        message.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
        if (apiKey is not null)
        {
            message.Headers.TryAddWithoutValidation("x-goog-api-key", apiKey);
        }

        var created = time.GetUtcNow().ToUnixTimeSeconds();
        var upstream = await UpstreamCall.SendAsync(http, message, rented: null, name, deployment.Timeouts ?? timeouts, cancellationToken);
        // How Google bills a grounded answer's searches: each query (Gemini 3) or the answer once (Gemini 2.x).
        var searchesPerQuery = deployment.Price.WebSearchPerQuery;
        if (upstream.IsSuccess && request.Stream)
        {
            var events = new GeminiStreamTranslator(deployment.UpstreamModel, created, searchesPerQuery);
            return new UpstreamResponse(200, "text/event-stream; charset=utf-8", new TranslatingSseStream(upstream.Body, events), upstream)
            {
                ReadCancellation = upstream.ReadCancellation,
                // Gemini's own usage, which the OpenAI chunks cannot carry whole (its searches).
                ReportedUsage = () => events.ReportedUsage,
                PartialUsage = () => events.PartialUsage,
            };
        }

        // A whole answer (or an error) is read here, within the total timeout, to be translated.
        using (upstream)
        {
            using var answer = new PooledBufferWriter(4096);
            await UpstreamCall.ReadWholeAsync(upstream, answer, name, cancellationToken);
            if (upstream.IsSuccess)
            {
                var (translated, usage) = GeminiResponseTranslator.ToChatCompletion(answer.WrittenSpan, deployment.UpstreamModel, created, searchesPerQuery);
                return new UpstreamResponse(upstream.StatusCode, "application/json", new MemoryStream(
                    translated ?? throw new UpstreamException(GatewayError.UpstreamUnavailable(name, "the answer was not a Gemini response")), writable: false))
                {
                    ReadCancellation = cancellationToken,
                    ReportedUsage = () => usage,
                };
            }

            var (error, retryAfter) = GeminiErrorTranslator.ToOpenAI(upstream.StatusCode, answer.WrittenSpan);
            return new UpstreamResponse(upstream.StatusCode, "application/json", new MemoryStream(OpenAIErrorBody.Bytes(error), writable: false))
            {
                RetryAfter = upstream.RetryAfter ?? retryAfter,
                ReadCancellation = cancellationToken,
            };
        }
    }
}
