using System.Buffers;
using System.Text.Json.Nodes;
using Tokenwise.Anthropic;
using Tokenwise.Metering;
using Tokenwise.OpenAI;
using Tokenwise.Pipeline;
using Tokenwise.Streams;

namespace Tokenwise.Providers.Translation.OpenAIToAnthropic;

/// <summary>
/// OpenAI-dialect clients served by a provider that speaks Anthropic's Messages API: chat completions
/// become Messages requests, and messages, streams and errors come back as OpenAI's. The usage metered
/// is Anthropic's own, since OpenAI's usage has no field for cache writes.
/// </summary>
internal sealed class OpenAIToAnthropicTranslator(TimeProvider time) : DialectTranslator(time)
{
    public override string ClientDialect => OpenAIRequestParser.Dialect;
    public override string ProviderDialect => AnthropicRequestParser.Dialect;

    protected override LlmRequest TranslateRequest(LlmRequest request, ModelDeployment deployment)
    {
        if (request.Api != ApiKind.ChatCompletions)
        {
            throw new UnsupportedFeature("model", $"The model '{request.Model}' is served by Anthropic's Messages API, which has no {request.Api} endpoint; only chat completions are translated.",
                "unsupported_endpoint");
        }

        var anthropic = AnthropicRequestFromOpenAI.Translate(TranslationJson.ParseObject(request.Body.Span), deployment.UpstreamModel, deployment.Price.MaxOutputTokens);
        return AnthropicRequestParser.TryParse(TranslationJson.Serialize(anthropic), ApiKind.Messages, [], out var translated, out var error)
            ? translated
            : throw new InvalidOperationException("The translated request does not parse: " + error.Message);
    }

    protected override bool TranslateAnswer(ReadOnlySpan<byte> answer, ModelDeployment deployment, long created, IBufferWriter<byte> output) =>
        ChatCompletionFromAnthropic.Write(answer, deployment.UpstreamModel, created, output);

    protected override TokenUsage? ReadUsage(ReadOnlySpan<byte> answer) =>
        AnthropicUsage.TryReadMessage(answer, out var usage) ? usage.ToTokenUsage() : null;

    protected override IStreamTranslator CreateStreamTranslator(ModelDeployment deployment, long created) =>
        new ChunksFromAnthropicStream(deployment.UpstreamModel, created);

    protected override GatewayError TranslateError(int status, ReadOnlySpan<byte> body) => OpenAIFromAnthropic.Error(status, body);

    protected override void WriteError(GatewayError error, IBufferWriter<byte> output) => OpenAIFromAnthropic.WriteError(error, output);
}
