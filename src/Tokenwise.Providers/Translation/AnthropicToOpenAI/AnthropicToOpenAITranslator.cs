using System.Buffers;
using System.Globalization;
using Tokenwise.Anthropic;
using Tokenwise.Metering;
using Tokenwise.OpenAI;
using Tokenwise.Pipeline;
using Tokenwise.Streams;

namespace Tokenwise.Providers.Translation.AnthropicToOpenAI;

/// <summary>
/// Anthropic-dialect clients served by a provider that speaks the OpenAI dialect (OpenAI-compatible
/// servers, the simulated provider, Gemini through its own translation): Messages requests become chat
/// completions, and completions, streams and errors come back as Anthropic's. <c>count_tokens</c> is
/// answered by the gateway itself with its prompt estimator, since OpenAI has no such endpoint.
/// </summary>
internal sealed class AnthropicToOpenAITranslator(TimeProvider time) : DialectTranslator(time)
{
    public override string ClientDialect => AnthropicRequestParser.Dialect;
    public override string ProviderDialect => OpenAIRequestParser.Dialect;

    protected override UpstreamResponse? AnswerLocally(LlmRequest request, ModelDeployment deployment)
    {
        if (request.Api != ApiKind.CountTokens)
        {
            return null;
        }

        var tokens = AnthropicPromptEstimator.Estimate(request, deployment.UpstreamModel);
        var body = System.Text.Encoding.UTF8.GetBytes("{\"input_tokens\":" + tokens.ToString(CultureInfo.InvariantCulture) + "}");
        return new UpstreamResponse(200, "application/json", new MemoryStream(body, writable: false));
    }

    protected override LlmRequest TranslateRequest(LlmRequest request, ModelDeployment deployment)
    {
        var openai = OpenAIRequestFromAnthropic.Translate(TranslationJson.ParseObject(request.Body.Span), deployment.UpstreamModel);
        return OpenAIRequestParser.TryParse(TranslationJson.Serialize(openai), ApiKind.ChatCompletions, out var translated, out var error)
            ? translated
            : throw new InvalidOperationException("The translated request does not parse: " + error.Message);
    }

    protected override bool TranslateAnswer(ReadOnlySpan<byte> answer, ModelDeployment deployment, long created, IBufferWriter<byte> output) =>
        MessageFromChatCompletion.Write(answer, deployment.UpstreamModel, output);

    protected override TokenUsage? ReadUsage(ReadOnlySpan<byte> answer) =>
        OpenAIUsageReader.TryRead(answer, out var usage) ? usage : null;

    protected override IStreamTranslator CreateStreamTranslator(ModelDeployment deployment, long created) =>
        new EventsFromOpenAIStream(deployment.UpstreamModel);

    protected override GatewayError TranslateError(int status, ReadOnlySpan<byte> body) => AnthropicFromOpenAI.Error(status, body);

    protected override void WriteError(GatewayError error, IBufferWriter<byte> output) => AnthropicFromOpenAI.WriteError(error, output);
}
