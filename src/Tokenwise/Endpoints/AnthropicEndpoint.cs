using System.Buffers;
using Microsoft.Extensions.Logging;
using Tokenwise.Anthropic;
using Tokenwise.Caching;
using Tokenwise.Configuration;
using Tokenwise.Hosting;
using Tokenwise.Metering;
using Tokenwise.Pipeline;

namespace Tokenwise.Endpoints;

/// <summary>
/// The Anthropic-dialect endpoints: <c>/v1/messages</c> and <c>/v1/messages/count_tokens</c>, with
/// Anthropic's wire formats (and error body) on the shared request lifecycle.
/// </summary>
public sealed class AnthropicEndpoint(
    GatewayPipeline pipeline,
    UsageLog usageLog,
    TokenwiseOptions options,
    GatewayComponents components,
    ResponseCache cache,
    TimeProvider time,
    ILogger<AnthropicEndpoint> logger) : DialectEndpoint(pipeline, usageLog, options, components, cache, time, logger)
{
    // The client headers that configure the Anthropic API itself; they travel on to an Anthropic provider.
    private static readonly string[] s_dialectHeaders = ["anthropic-version", "anthropic-beta"];

    public Task MessagesAsync(HttpContext http) => HandleAsync(http, ApiKind.Messages, "messages");

    public Task CountTokensAsync(HttpContext http) => HandleAsync(http, ApiKind.CountTokens, "messages.count_tokens");

    protected override string Dialect => AnthropicRequestParser.Dialect;

    protected override string UpstreamRequestIdHeader => "request-id";

    protected override bool TryParse(ReadOnlyMemory<byte> body, ApiKind api, HttpRequest http, out LlmRequest request, out GatewayError error) =>
        AnthropicRequestParser.TryParse(body, api, DialectHeaders(http), out request, out error);

    protected override void WriteError(GatewayError error, UsageRecord record, IBufferWriter<byte> output) => AnthropicErrorBody.Write(error, record.Id, output);

    protected override string? ReadErrorCode(ReadOnlySpan<byte> body) => AnthropicErrorBody.ReadType(body);

    /// <summary>Counting tokens is free: its answer is relayed, not metered.</summary>
    protected override bool Meters(ApiKind api) => api == ApiKind.Messages;

    protected override bool TryReadUsage(ReadOnlySpan<byte> answer, out TokenUsage usage)
    {
        var found = AnthropicUsage.TryReadMessage(answer, out var reported);
        usage = found ? reported.ToTokenUsage() : default;
        return found;
    }

    protected override string AnswerText(ReadOnlySpan<byte> answer) => AnthropicResponseText.Collect(answer);

    protected override IStreamMeter NewStreamMeter(LlmRequest request) => new AnthropicStreamMeter();

    protected override StreamSummary Summarize(IStreamMeter meter)
    {
        var m = (AnthropicStreamMeter)meter;
        return new StreamSummary(m is { HasFinalUsage: true, HasInputUsage: true } ? m.Usage.ToTokenUsage() : null, m.GeneratedText,
            Complete: m.ErrorType is null, m.ErrorType);
    }

    /// <summary>Anthropic's <c>error</c> event.</summary>
    protected override void WriteStreamError(GatewayError error, UsageRecord record, IStreamMeter meter, IBufferWriter<byte> output)
    {
        output.Write("event: error\ndata: "u8);
        AnthropicErrorBody.Write(error, record.Id, output);
    }

    /// <summary>
    /// Counts tokens locally when the provider's usage is missing or incomplete, and flags the record as
    /// estimated. The prompt side reported by <c>message_start</c> is kept when the stream got that far.
    /// </summary>
    protected override void Estimate(GatewayContext context, IStreamMeter? meter, string generated)
    {
        var streamed = meter as AnthropicStreamMeter;
        var model = context.Deployment?.UpstreamModel ?? context.Request.Model;
        var output = TokenEstimator.Count(model, generated);
        var reported = streamed is { HasInputUsage: true } ? streamed.Usage : new AnthropicUsage(context.PromptTokens(model), 0, 0, 0);
        context.Record.Usage = (reported with { OutputTokens = Math.Max(output, streamed?.Usage.OutputTokens ?? 0) }).ToTokenUsage();
        context.Record.Estimated = true;
    }

    private static List<KeyValuePair<string, string>> DialectHeaders(HttpRequest request)
    {
        var headers = new List<KeyValuePair<string, string>>(s_dialectHeaders.Length);
        foreach (var name in s_dialectHeaders)
        {
            var value = request.Headers[name].ToString();
            if (value.Length > 0)
            {
                headers.Add(new(name, value));
            }
        }

        return headers;
    }
}
