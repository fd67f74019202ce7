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
    [InlineData("-5")]
    [InlineData("9223372036854775807")]
    [InlineData("100000001")]
    public void AMaxTokensNoModelCanHaveBoundsNothing(string maxTokens) =>
        Assert.Null(Parse($$"""{"model":"m","max_tokens":{{maxTokens}},"messages":[]}""").MaxOutputTokens);

    [Theory]
    [InlineData("""[{"name":"f","input_schema":{"type":"object"}}]""", 0L)]
    [InlineData("""[{"type":"web_search_20250305","name":"web_search","max_uses":5}]""", 5L)]
    [InlineData("""[{"type":"web_search_20250305","name":"web_search"}]""", null)] // no bound given: none
    [InlineData("""[{"type":"web_search_20250305","name":"a","max_uses":2},{"type":"web_search_20250305","name":"b"}]""", null)]
    [InlineData("""[{"type":"web_search_20250305","name":"a","max_uses":0}]""", null)] // not a bound a provider accepts
    [InlineData("""[{"type":"web_search_20250305","name":"a","max_uses":2},{"max_uses":9,"type":"web_search_20260101","name":"b"},5]""", 11L)]
    [InlineData("""[{"type":"web_search_20250305","name":"a","max_uses":4611686018427387904},{"type":"web_search_20250305","name":"b","max_uses":4611686018427387904}]""",
        2 * TokenUsage.MaxCount)] // summed as given, 2^63: a negative reservation
    public void TheWebSearchesARequestAllowsAreTheSumOfItsToolsMaxUses(string tools, long? expected) =>
        Assert.Equal(expected, Parse($$"""{"model":"m","max_tokens":1,"tools":{{tools}},"messages":[]}""").MaxWebSearches);

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
    public void WebSearchesAreReadFromServerToolUseAndKeptByLaterUsageThatOmitsThem()
    {
        Assert.True(AnthropicUsage.TryReadMessage("""
            {"type":"message","usage":{"input_tokens":10,"output_tokens":5,"server_tool_use":{"web_search_requests":2,"web_fetch_requests":1}}}
            """u8, out var usage));
        Assert.Equal(2, usage.ToTokenUsage().WebSearchRequests);
        Assert.True(AnthropicUsage.TryReadMessage("""{"usage":{"input_tokens":1,"output_tokens":1,"service_tier":"priority"}}"""u8, out var tiered));
        Assert.Equal("priority", tiered.ToTokenUsage().ServiceTier); // logged; priced at priority prices once the catalog has them

        var reader = new System.Text.Json.Utf8JsonReader("""{"output_tokens":9}"""u8);
        reader.Read();
        var merged = AnthropicUsage.Read(ref reader, usage);
        Assert.Equal((2L, 9L), (merged.WebSearchRequests, merged.OutputTokens));
    }

    [Theory]
    [InlineData("""{"input_tokens":-3,"output_tokens":4}""")]
    [InlineData("""{"input_tokens":3,"output_tokens":4.5}""")]
    [InlineData("""{"input_tokens":3,"output_tokens":4,"cache_read_input_tokens":"9"}""")]
    [InlineData("""{"input_tokens":3,"output_tokens":4,"cache_creation_input_tokens":100000001}""")]
    public void ACountThatIsNotAWholeNumberOfZeroOrMoreMakesTheUsageUnreadable(string usage) =>
        Assert.False(AnthropicUsage.TryReadMessage(System.Text.Encoding.UTF8.GetBytes($$"""{"type":"message","usage":{{usage}}}"""), out _));

    [Fact]
    public void OneHourCacheWritesAreReadFromTheNestedCacheCreationObject()
    {
        Assert.True(AnthropicUsage.TryReadMessage("""
            {"id":"x","usage":{"input_tokens":50,"cache_creation_input_tokens":3000,"cache_read_input_tokens":0,
             "cache_creation":{"ephemeral_5m_input_tokens":1000,"ephemeral_1h_input_tokens":2000},"output_tokens":20}}
            """u8, out var usage));
        var canonical = usage.ToTokenUsage();

        Assert.Equal(new TokenUsage(3050, 0, 3000, 20, 0) { CacheWrite1hTokens = 2000 }, canonical);
        // claude-haiku-4-5: $1/M input, $1.25/M five-minute write, $2/M one-hour write, $5/M output.
        // 50 × 1 + 1000 × 1.25 + 2000 × 2 + 20 × 5 = 50 + 1250 + 4000 + 100 = 5400 µ$.
        Assert.Equal(0.0054m, PriceCatalog.Embedded.Find("claude-haiku-4-5", "anthropic")!.Cost(canonical));
    }

    [Theory]
    [InlineData("""{"input_tokens":50,"cache_creation_input_tokens":3000,"output_tokens":20}""", 0)] // no split (older API versions, some clouds)
    [InlineData("""{"input_tokens":50,"cache_creation_input_tokens":3000,"cache_creation":null,"output_tokens":20}""", 0)]
    [InlineData("""{"input_tokens":50,"cache_creation_input_tokens":3000,"cache_creation":{},"output_tokens":20}""", 0)]
    [InlineData("""{"input_tokens":50,"cache_creation_input_tokens":3000,"cache_creation":{"ephemeral_5m_input_tokens":3000,"ephemeral_1h_input_tokens":null},"output_tokens":20}""", 0)]
    [InlineData("""{"cache_creation":{"ephemeral_1h_input_tokens":2000},"input_tokens":50,"cache_creation_input_tokens":3000,"output_tokens":20}""", 2000)] // in any order
    [InlineData("""{"input_tokens":50,"cache_creation_input_tokens":3000,"cache_creation":{"ephemeral_1h_input_tokens":5000},"output_tokens":20}""", 3000)] // never more than the total
    public void TheOneHourSplitIsNoneWhenMissingOrNullAndNeverMoreThanTheTotal(string usageJson, long oneHour)
    {
        Assert.True(AnthropicUsage.TryReadMessage(Encoding.UTF8.GetBytes($$"""{"id":"x","usage":{{usageJson}}}"""), out var usage));
        Assert.Equal(new TokenUsage(3050, 0, 3000, 20, 0) { CacheWrite1hTokens = oneHour }, usage.ToTokenUsage());
    }

    [Fact]
    public void AStreamKeepsTheOneHourSplitOfMessageStartWhenLaterUsageOmitsIt()
    {
        var meter = new AnthropicStreamMeter();
        meter.Inspect("""
            {"type":"message_start","message":{"id":"m","usage":{"input_tokens":50,"cache_creation_input_tokens":3000,"cache_read_input_tokens":0,
             "cache_creation":{"ephemeral_5m_input_tokens":1000,"ephemeral_1h_input_tokens":2000},"output_tokens":1}}}
            """u8);
        // message_delta repeats cumulative counts, here without the split and with a null one.
        meter.Inspect("""{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"cache_creation_input_tokens":3000,"output_tokens":20}}"""u8);
        meter.Inspect("""{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"cache_creation":null,"output_tokens":20}}"""u8);

        Assert.Equal(new TokenUsage(3050, 0, 3000, 20, 0) { CacheWrite1hTokens = 2000 }, meter.Usage.ToTokenUsage());
    }

    [Fact]
    public void TheStreamMeterTakesThePromptFromMessageStartAndTheOutputFromMessageDelta()
    {
        const string request = """{"model":"claude-haiku-4-5","stream":true,"tools":[{"name":"find","input_schema":{"type":"object","properties":{"q":{"type":"string"}}}}],"messages":[{"role":"user","content":"#fake:cache-1h #fake:thinking #fake:tool go"}]}""";
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
        Assert.Equal((512L, 384L), (meter.Usage.ToTokenUsage().CacheWriteTokens, meter.Usage.ToTokenUsage().CacheWrite1hTokens)); // message_start's split
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
