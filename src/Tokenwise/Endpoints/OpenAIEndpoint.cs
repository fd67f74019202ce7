using System.Buffers;
using Microsoft.Extensions.Logging;
using Tokenwise.Caching;
using Tokenwise.Configuration;
using Tokenwise.Hosting;
using Tokenwise.Metering;
using Tokenwise.OpenAI;
using Tokenwise.Pipeline;

namespace Tokenwise.Endpoints;

/// <summary>
/// The OpenAI-dialect endpoints: <c>/v1/chat/completions</c>, <c>/v1/responses</c> and
/// <c>/v1/embeddings</c>, with OpenAI's wire formats on the shared request lifecycle.
/// </summary>
public sealed class OpenAIEndpoint(
    GatewayPipeline pipeline,
    UsageLog usageLog,
    TokenwiseOptions options,
    GatewayComponents components,
    ResponseCache cache,
    TimeProvider time,
    ILogger<OpenAIEndpoint> logger) : DialectEndpoint(pipeline, usageLog, options, components, cache, time, logger)
{
    public Task ChatCompletionsAsync(HttpContext http) => HandleAsync(http, ApiKind.ChatCompletions, "chat.completions");

    public Task EmbeddingsAsync(HttpContext http) => HandleAsync(http, ApiKind.Embeddings, "embeddings");

    /// <summary>OpenAI's Responses API, forwarded to providers that serve it (never translated).</summary>
    public Task ResponsesAsync(HttpContext http) => HandleAsync(http, ApiKind.Responses, "responses");

    protected override string Dialect => OpenAIRequestParser.Dialect;

    protected override string UpstreamRequestIdHeader => "x-request-id";

    protected override bool TryParse(ReadOnlyMemory<byte> body, ApiKind api, HttpRequest http, out LlmRequest request, out GatewayError error) =>
        OpenAIRequestParser.TryParse(body, api, out request, out error);

    protected override void WriteError(GatewayError error, UsageRecord record, IBufferWriter<byte> output) => OpenAIErrorBody.Write(error, output);

    protected override string? ReadErrorCode(ReadOnlySpan<byte> body) => OpenAIErrorBody.ReadCode(body);

    protected override bool TryReadUsage(ReadOnlySpan<byte> answer, out TokenUsage usage) => OpenAIUsageReader.TryRead(answer, out usage);

    protected override string AnswerText(ReadOnlySpan<byte> answer) => OpenAIResponseText.Collect(answer);

    protected override IStreamMeter NewStreamMeter(LlmRequest request) => request.Api == ApiKind.Responses
        ? new ResponsesStreamMeter()
        : new OpenAIStreamMeter(request.ClientRequestedUsage);

    /// <summary>An estimate, plus the web searches a Responses stream cut short had run: OpenAI bills them whatever the answer.</summary>
    protected override void Estimate(GatewayContext context, IStreamMeter? meter, string generated)
    {
        base.Estimate(context, meter, generated);
        if (meter is ResponsesStreamMeter { WebSearches: > 0 } responses)
        {
            context.Record.Usage = context.Record.Usage with { WebSearchRequests = responses.WebSearches };
        }
    }

    protected override StreamSummary Summarize(IStreamMeter meter)
    {
        var m = (ITokenStreamMeter)meter;
        return new StreamSummary(m.HasUsage ? m.Usage : null, m.GeneratedText, m.Complete, m.ErrorCode);
    }

    /// <summary>A chat stream's <c>data: {"error":...}</c>, or a Responses stream's typed <c>error</c> event.</summary>
    protected override void WriteStreamError(GatewayError error, UsageRecord record, IStreamMeter meter, IBufferWriter<byte> output)
    {
        if (meter is ResponsesStreamMeter responses)
        {
            output.Write("event: error\ndata: "u8);
            OpenAIErrorBody.WriteResponsesErrorEvent(error, responses.LastSequenceNumber + 1, output);
        }
        else
        {
            output.Write("data: "u8);
            OpenAIErrorBody.Write(error, output);
        }
    }
}
