using System.Buffers;
using Tokenwise.Json;
using Tokenwise.Metering;
using Tokenwise.OpenAI;
using Tokenwise.Pipeline;
using Tokenwise.Streams;

namespace Tokenwise.Providers.Translation;

/// <summary>
/// What every translation does around its mappings: translate the request (refusing what the target
/// cannot express), send it through the provider, then translate a whole answer or error at once and a
/// stream event by event, handing on the provider's own usage through <see cref="UpstreamResponse.ReportedUsage"/>.
/// </summary>
internal abstract class DialectTranslator(TimeProvider time) : IDialectTranslator
{
    public abstract string ClientDialect { get; }
    public abstract string ProviderDialect { get; }

    public async ValueTask<UpstreamResponse> SendAsync(LlmRequest request, ModelDeployment deployment, IProvider provider, CancellationToken cancellationToken)
    {
        if (AnswerLocally(request, deployment) is { } local)
        {
            return local;
        }

        LlmRequest translated;
        try
        {
            translated = TranslateRequest(request, deployment);
        }
        catch (UnsupportedFeature e)
        {
            throw new UpstreamException(GatewayError.InvalidRequest(e.Message, e.Code, e.Param.Length == 0 ? null : e.Param));
        }

        var created = time.GetUtcNow().ToUnixTimeSeconds();
        var upstream = await provider.SendAsync(translated, deployment, cancellationToken);
        var handedOver = false;
        try
        {
            if (upstream.IsSuccess && request.Stream)
            {
                var events = CreateStreamTranslator(deployment, created);
                handedOver = true;
                return new UpstreamResponse(upstream.StatusCode, "text/event-stream; charset=utf-8", new TranslatingSseStream(upstream.Body, events), upstream)
                {
                    RequestId = upstream.RequestId,
                    ReadCancellation = upstream.ReadCancellation,
                    ReportedUsage = () => events.ReportedUsage,
                    PartialUsage = () => events.PartialUsage,
                };
            }

            // A whole answer (or an error) is read here, within the call's total timeout, to be translated.
            using var answer = new PooledBufferWriter(4096);
            await UpstreamCall.ReadWholeAsync(upstream, answer, provider.Name, cancellationToken);

            var body = new ArrayBufferWriter<byte>(1024);
            if (upstream.IsSuccess && !OpenAIErrorBody.IsError(answer.WrittenSpan))
            {
                var usage = TranslateAnswer(answer.WrittenSpan, deployment, created, body)
                    ? ReadUsage(answer.WrittenSpan)
                    : throw new UpstreamException(GatewayError.UpstreamUnavailable(provider.Name, $"the answer was not a {ProviderDialect} response"));
                return new UpstreamResponse(upstream.StatusCode, "application/json", new MemoryStream(body.WrittenSpan.ToArray(), writable: false))
                {
                    RequestId = upstream.RequestId,
                    ReadCancellation = cancellationToken,
                    ReportedUsage = () => usage,
                };
            }

            // An error some servers answer with status 200: translated, it needs an error status, and 502 says whose error it is.
            var error = TranslateError(upstream.IsSuccess ? 502 : upstream.StatusCode, answer.WrittenSpan);
            WriteError(error, body);
            return new UpstreamResponse(error.Status, "application/json", new MemoryStream(body.WrittenSpan.ToArray(), writable: false))
            {
                RetryAfter = upstream.RetryAfter,
                RequestId = upstream.RequestId,
                ReadCancellation = cancellationToken,
            };
        }
        finally
        {
            if (!handedOver)
            {
                upstream.Dispose();
            }
        }
    }

    /// <summary>An answer the gateway gives without calling upstream (e.g. counting tokens), or null.</summary>
    protected virtual UpstreamResponse? AnswerLocally(LlmRequest request, ModelDeployment deployment) => null;

    /// <summary>The request in the provider's dialect, parsed as the provider expects it.</summary>
    /// <exception cref="UnsupportedFeature">The request uses something the provider's dialect cannot express.</exception>
    protected abstract LlmRequest TranslateRequest(LlmRequest request, ModelDeployment deployment);

    /// <summary>Writes the client's answer from the provider's whole answer; false when it is not one.</summary>
    protected abstract bool TranslateAnswer(ReadOnlySpan<byte> answer, ModelDeployment deployment, long created, IBufferWriter<byte> output);

    /// <summary>The usage of the provider's whole answer, in full, or null when it reported none.</summary>
    protected abstract TokenUsage? ReadUsage(ReadOnlySpan<byte> answer);

    protected abstract IStreamTranslator CreateStreamTranslator(ModelDeployment deployment, long created);

    /// <summary>The provider's error body (and status) as the client's dialect describes it.</summary>
    protected abstract GatewayError TranslateError(int status, ReadOnlySpan<byte> body);

    protected abstract void WriteError(GatewayError error, IBufferWriter<byte> output);
}
