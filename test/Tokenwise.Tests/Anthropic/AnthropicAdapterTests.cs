using System.Text;
using Tokenwise.Anthropic;
using Tokenwise.Json;
using Tokenwise.Metering;
using Tokenwise.Pipeline;
using Tokenwise.Pricing;
using Tokenwise.Testing;

namespace Tokenwise.Tests.Anthropic;

/// <summary>The Anthropic adapter's pieces: parsing, splicing, usage mapping, stream metering and error bodies.</summary>
public sealed class AnthropicAdapterTests
{
    private static LlmRequest Parse(string json, ApiKind api = ApiKind.Messages)
    {
        Assert.True(AnthropicRequestParser.TryParse(Encoding.UTF8.GetBytes(json), api, [], out var request, out var error), error?.Message);
        return request;
    }

    [Fact]
    public void ReadsTheFieldsTheGatewayActsOn()
    {
        var request = Parse("""{"messages":[],"stream":true,"max_tokens":512,"model":"claude-haiku-4-5"}""");
        Assert.Equal(("claude-haiku-4-5", true, 512L, "anthropic"), (request.Model, request.Stream, request.MaxOutputTokens, request.Dialect));
        Assert.False(Parse("""{"model":"m","stream":true}""", ApiKind.CountTokens).Stream);
    }

    [Theory]
    [InlineData("""{"model":""", "invalid_json")]
    [InlineData("""[1]""", "invalid_json")]
    [InlineData("""{"model":"a"} x""", "invalid_json")]
    [InlineData("""{"messages":[]}""", "missing_required_parameter")]
    [InlineData("""{"model":7}""", "invalid_type")]
    public void MalformedBodiesAreA400(string json, string code)
    {
        Assert.False(AnthropicRequestParser.TryParse(Encoding.UTF8.GetBytes(json), ApiKind.Messages, [], out _, out var error));
        Assert.Equal((400, code), (error.Status, error.Code));
    }

    [Fact]
    public void OnlyTheModelIsReplacedInPlace()
    {
        const string json = """{"a":{"b":[1,2.50]},"model" : "alias","messages":[{"role":"user","content":"caf\u00e9"}],"z":null}""";
        var request = Parse(json);
        using var output = new PooledBufferWriter();
        AnthropicUpstreamBody.Write(request, "claude-haiku-4-5", output);

        Assert.Equal(json.Replace("\"alias\"", "\"claude-haiku-4-5\"", StringComparison.Ordinal), Encoding.UTF8.GetString(output.WrittenSpan));
        Assert.False(AnthropicUpstreamBody.NeedsRewrite(request, "alias"));
    }

    [Fact]
    public void UsageMapsToTheCanonicalConventionAndIsPricedPerKind()
    {
        Assert.True(AnthropicUsage.TryReadMessage("""{"id":"x","usage":{"input_tokens":100,"cache_creation_input_tokens":512,"cache_read_input_tokens":2048,"output_tokens":40}}"""u8, out var usage));
        var canonical = usage.ToTokenUsage();

        Assert.Equal(new TokenUsage(2660, 2048, 512, 40, 0), canonical);
        Assert.Equal(100, canonical.UncachedInputTokens);
        // claude-haiku-4-5: $1/M input, $0.10/M cache read, $1.25/M cache write, $5/M output.
        var price = PriceCatalog.Embedded.Find("claude-haiku-4-5", "anthropic")!;
        Assert.Equal(100 * 0.000001m + 2048 * 0.0000001m + 512 * 0.00000125m + 40 * 0.000005m, price.Cost(canonical));
    }

    [Fact]
    public void TheStreamMeterTakesThePromptFromMessageStartAndTheOutputFromMessageDelta()
    {
        const string request = """{"model":"claude-haiku-4-5","stream":true,"tools":[{"name":"find","input_schema":{"type":"object","properties":{"q":{"type":"string"}}}}],"messages":[{"role":"user","content":"#fake:cache #fake:thinking #fake:tool go"}]}""";
        var answer = FakeAnthropicUpstream.Answer(request);
        var meter = new AnthropicStreamMeter();
        foreach (var sseEvent in FakeAnthropicUpstream.StreamEvents(answer))
        {
            var bytes = Encoding.UTF8.GetBytes(sseEvent);
            Assert.True(SseRelayData(bytes, out var data));
            Assert.True(meter.Inspect(data), "every Anthropic event is forwarded");
        }

        Assert.True(meter.HasInputUsage && meter.HasFinalUsage);
        Assert.Equal(answer.Usage, meter.Usage);
        Assert.Contains("I keep it brief", meter.GeneratedText, StringComparison.Ordinal); // thinking
        Assert.Contains("Let me look that up.", meter.GeneratedText, StringComparison.Ordinal); // text
        Assert.Contains("{\"q\":\"Paris\"}", meter.GeneratedText, StringComparison.Ordinal); // tool input, reassembled
        Assert.Null(meter.ErrorType);

        Assert.True(meter.Inspect("""{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"""u8));
        Assert.Equal("overloaded_error", meter.ErrorType);
    }

    [Theory]
    [InlineData(400, "invalid_request_error")]
    [InlineData(401, "authentication_error")]
    [InlineData(403, "permission_error")]
    [InlineData(404, "not_found_error")]
    [InlineData(413, "request_too_large")]
    [InlineData(429, "rate_limit_error")]
    [InlineData(500, "api_error")]
    [InlineData(502, "api_error")]
    [InlineData(504, "api_error")]
    [InlineData(529, "overloaded_error")]
    public void GatewayErrorsGetAnthropicsTypeForTheirStatus(int status, string type)
    {
        using var output = new PooledBufferWriter();
        AnthropicErrorBody.Write(new GatewayError(status, "whatever", "code", "It's 'broken'."), "req_1", output);

        Assert.Equal($$"""{"type":"error","error":{"type":"{{type}}","message":"It's 'broken'."},"request_id":"req_1"}""", Encoding.UTF8.GetString(output.WrittenSpan));
        Assert.Equal(type, AnthropicErrorBody.ReadType(output.WrittenSpan));
    }

    private static bool SseRelayData(byte[] sseEvent, out ReadOnlySpan<byte> data) => Tokenwise.OpenAI.SseRelay.TryGetData(sseEvent, out data);
}
