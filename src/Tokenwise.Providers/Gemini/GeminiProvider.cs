using System.Diagnostics;
using System.Text.Json;
using Tokenwise.Json;
using Tokenwise.OpenAI;
using Tokenwise.Pipeline;
using Tokenwise.Providers.Translation;

namespace Tokenwise.Providers.Gemini;

/// <summary>
/// Google's Gemini API (<c>generateContent</c>, <c>streamGenerateContent?alt=sse</c>) behind the
/// OpenAI dialect: the client's OpenAI body is translated into Gemini's, and Gemini's answer, stream
/// and errors back into OpenAI's wire format, so the endpoint relays and meters it like any OpenAI answer.
/// </summary>
public sealed class GeminiProvider(string name, Uri baseUrl, string? apiKey, HttpClient http, UpstreamTimeouts timeouts, TimeProvider time) : IProvider
{
    public const string DefaultBaseUrl = "https://generativelanguage.googleapis.com";
    private const int MaxErrorBytes = 1024 * 1024;

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
        using var message = new HttpRequestMessage(HttpMethod.Post, _models + model + (request.Stream ? ":streamGenerateContent?alt=sse" : ":generateContent"))
        {
            Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(gemini)),
        };
        message.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
        if (apiKey is not null)
        {
            message.Headers.TryAddWithoutValidation("x-goog-api-key", apiKey);
        }

        // As in OpenAICompatibleProvider: one source bounds the call, first at the first-byte timeout,
        // then re-armed for what is left of the total, so it also bounds reading the body.
        var call = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        call.CancelAfter(timeouts.FirstByte < timeouts.Total ? timeouts.FirstByte : timeouts.Total);
        var sentAt = Stopwatch.GetTimestamp();
        HttpResponseMessage? response = null;
        var handedOver = false;
        try
        {
            response = await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, call.Token);
            var remaining = timeouts.Total - Stopwatch.GetElapsedTime(sentAt);
            if (remaining <= TimeSpan.Zero)
            {
                throw new UpstreamException(GatewayError.UpstreamTimeout(name, "total"));
            }

            call.CancelAfter(remaining);
            var created = time.GetUtcNow().ToUnixTimeSeconds();
            var status = (int)response.StatusCode;
            var success = status is >= 200 and < 300;
            if (success && request.Stream)
            {
                // The response stays open while the client reads; cancellation aborts the read by disposing it.
                var body = await response.Content.ReadAsStreamAsync(call.Token);
                var resources = new CallResources(response, call, call.Token.Register(static r => ((HttpResponseMessage)r!).Dispose(), response));
                handedOver = true;
                return new UpstreamResponse(200, "text/event-stream; charset=utf-8",
                    new TranslatingSseStream(body, new GeminiStreamTranslator(deployment.UpstreamModel, created)), resources)
                {
                    ReadCancellation = call.Token,
                };
            }

            // A whole answer (or an error) is read here, within the total timeout, to be translated.
            using var answer = new PooledBufferWriter(4096);
            var upstreamBody = await response.Content.ReadAsStreamAsync(call.Token);
            if (!await answer.ReadFromAsync(upstreamBody, success ? long.MaxValue : MaxErrorBytes, call.Token) && success)
            {
                throw new UpstreamException(GatewayError.UpstreamUnavailable(name, "the answer was too large to read"));
            }

            if (success)
            {
                var translated = GeminiResponseTranslator.ToChatCompletion(answer.WrittenSpan, deployment.UpstreamModel, created)
                    ?? throw new UpstreamException(GatewayError.UpstreamUnavailable(name, "the answer was not a Gemini response"));
                return new UpstreamResponse(status, "application/json", new MemoryStream(translated, writable: false)) { ReadCancellation = cancellationToken };
            }

            var (error, retryAfter) = GeminiErrorTranslator.ToOpenAI(status, answer.WrittenSpan);
            var errorBody = new PooledBufferWriter(512);
            using (errorBody)
            {
                OpenAIErrorBody.Write(error, errorBody);
                return new UpstreamResponse(status, "application/json", new MemoryStream(errorBody.WrittenSpan.ToArray(), writable: false))
                {
                    RetryAfter = response.Headers.NonValidated.TryGetValues("Retry-After", out var header) ? header.ToString() : retryAfter,
                    ReadCancellation = cancellationToken,
                };
            }
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is OperationCanceledException or HttpRequestException or IOException)
        {
            throw Translate(e, call.IsCancellationRequested, response is not null);
        }
        finally
        {
            if (!handedOver)
            {
                response?.Dispose();
                call.Dispose();
            }
        }
    }

    private UpstreamException Translate(Exception e, bool timedOut, bool headersArrived)
    {
        if (e is HttpRequestException { InnerException: TimeoutException } || e is OperationCanceledException { InnerException: TimeoutException })
        {
            return new UpstreamException(GatewayError.UpstreamTimeout(name, "connect"), e);
        }

        var which = headersArrived || timeouts.FirstByte >= timeouts.Total ? "total" : "first-byte";
        return timedOut && e is OperationCanceledException
            ? new UpstreamException(GatewayError.UpstreamTimeout(name, which), e)
            : new UpstreamException(GatewayError.UpstreamUnavailable(name, e.Message), e);
    }

    /// <summary>Everything a streamed call holds until its body has been read.</summary>
    private sealed class CallResources(HttpResponseMessage response, CancellationTokenSource call, CancellationTokenRegistration abortOnCancel) : IDisposable
    {
        public void Dispose()
        {
            abortOnCancel.Dispose();
            response.Dispose();
            call.Dispose();
        }
    }
}
