using System.Text;
using Tokenwise.OpenAI;

namespace Tokenwise.Tests.OpenAI;

public sealed class StreamMeterTests
{
    private const string ContentChunk = """{"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Hello"},"finish_reason":null}],"usage":null}""";
    private const string ToolChunk = """{"id":"c","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"f","arguments":"{\"a\":1}"}}]}}]}""";
    private const string UsageChunk = """{"id":"c","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":5,"total_tokens":17,"prompt_tokens_details":{"cached_tokens":4},"completion_tokens_details":{"reasoning_tokens":2}}}""";

    [Fact]
    public void TheUsageChunkIsReadAndHiddenFromAClientThatDidNotAskForIt()
    {
        var meter = new OpenAIStreamMeter(clientRequestedUsage: false);

        Assert.True(meter.Inspect(Encoding.UTF8.GetBytes(ContentChunk)));
        Assert.False(meter.Inspect(Encoding.UTF8.GetBytes(UsageChunk)));
        Assert.True(meter.Inspect("[DONE]"u8));

        Assert.True(meter.HasUsage);
        Assert.Equal(new Metering.TokenUsage(12, 4, 0, 5, 2), meter.Usage);
        Assert.True(meter.Complete);
    }

    [Fact]
    public void AClientThatAskedForUsageReceivesTheUsageChunk()
    {
        var meter = new OpenAIStreamMeter(clientRequestedUsage: true);
        Assert.True(meter.Inspect(Encoding.UTF8.GetBytes(UsageChunk)));
    }

    [Theory]
    [InlineData("""{"error":{"message":"Overloaded","type":"server_error","param":null,"code":"overloaded"}}""", "overloaded")]
    [InlineData("""{"error":{"message":"Boom","type":"server_error","param":null,"code":null}}""", "server_error")]
    [InlineData("""{"error":"not an object"}""", "upstream_error")]
    public void AnErrorEventIsForwardedAndItsCodeRemembered(string errorEvent, string code)
    {
        var meter = new OpenAIStreamMeter(clientRequestedUsage: false);

        Assert.True(meter.Inspect(Encoding.UTF8.GetBytes(ContentChunk)));
        Assert.Null(meter.ErrorCode);
        Assert.True(meter.Inspect(Encoding.UTF8.GetBytes(errorEvent)));

        Assert.Equal(code, meter.ErrorCode);
        Assert.False(meter.Complete);
    }

    [Fact]
    public void GeneratedTextAndToolArgumentsAreKeptForEstimation()
    {
        var meter = new OpenAIStreamMeter(false);
        meter.Inspect(Encoding.UTF8.GetBytes(ContentChunk));
        meter.Inspect(Encoding.UTF8.GetBytes(ToolChunk));

        Assert.Equal("Hellof{\"a\":1}", meter.GeneratedText);
        Assert.False(meter.HasUsage);
    }

    [Fact]
    public void AResponsesStreamCountsItsWebSearchCallsAsEachIsDoneAndAsTheFinalResponseListsThem()
    {
        var meter = new ResponsesStreamMeter();
        string[] events =
        [
            """{"type":"response.output_item.added","output_index":0,"item":{"id":"ws_1","type":"web_search_call","status":"in_progress","action":{"type":"search"}},"sequence_number":2}""",
            """{"type":"response.output_item.done","output_index":0,"item":{"id":"ws_1","type":"web_search_call","status":"completed","action":{"type":"search","query":"oslo"}},"sequence_number":5}""",
            """{"type":"response.output_item.done","output_index":1,"item":{"id":"msg_1","type":"message","status":"completed","content":[]},"sequence_number":9}""",
        ];
        foreach (var e in events)
        {
            meter.Inspect(Encoding.UTF8.GetBytes(e));
        }

        // Cut here, the one search that ran is counted (an added item is not yet a search that ran).
        Assert.Equal((1L, false), (meter.WebSearches, meter.HasUsage));

        // The final response lists two (its item order is not the events'): the listed count stands, and goes into the usage.
        meter.Inspect("""
            {"type":"response.completed","response":{"status":"completed","output":[{"type":"web_search_call","id":"ws_1","status":"completed"},{"id":"ws_2","status":"completed","type":"web_search_call"},{"type":"message","content":[{"type":"output_text","text":"web_search_call"}]}],"usage":{"input_tokens":30,"output_tokens":7,"total_tokens":37}},"sequence_number":10}
            """u8);
        Assert.Equal((2L, 30L, true), (meter.Usage.WebSearchRequests, meter.Usage.InputTokens, meter.Complete));
    }

    [Fact]
    public void ANonStreamedResponseCountsTheWebSearchCallsItsOutputLists()
    {
        Assert.True(OpenAIUsageReader.TryRead("""
            {"id":"resp_1","object":"response","output":[{"type":"web_search_call","id":"ws_1","status":"completed","action":{"type":"search","query":"a"}},{"type":"message","content":[]}],"usage":{"input_tokens":30,"output_tokens":7,"total_tokens":37}}
            """u8, out var usage));
        Assert.Equal((1L, 30L), (usage.WebSearchRequests, usage.InputTokens));

        // A chat completion has no output array: no searches.
        Assert.True(OpenAIUsageReader.TryRead(Encoding.UTF8.GetBytes(UsageChunk), out var chat));
        Assert.Equal(0, chat.WebSearchRequests);
    }

    [Fact]
    public void UsageOfANonStreamedResponseIsRead()
    {
        Assert.True(OpenAIUsageReader.TryRead(Encoding.UTF8.GetBytes("""{"choices":[{"message":{"content":"x"}}],"usage":{"prompt_tokens":7,"completion_tokens":3,"total_tokens":10}}"""), out var usage));
        Assert.Equal(new Metering.TokenUsage(7, 0, 0, 3, 0), usage);
        Assert.False(OpenAIUsageReader.TryRead("""{"usage":null}"""u8, out _));
    }

    [Theory]
    [InlineData("""{"prompt_tokens":-5,"completion_tokens":7,"total_tokens":2}""")]
    [InlineData("""{"prompt_tokens":1.5,"completion_tokens":7,"total_tokens":8}""")]
    [InlineData("""{"prompt_tokens":"7","completion_tokens":7,"total_tokens":14}""")]
    [InlineData("""{"prompt_tokens":1e30,"completion_tokens":7,"total_tokens":1}""")]
    [InlineData("""{"prompt_tokens":1000000000000000,"completion_tokens":7,"total_tokens":1000000000000007}""")] // $150M on gpt-4o-mini
    [InlineData("""{"prompt_tokens":5,"completion_tokens":100000001,"total_tokens":100000006}""")]
    [InlineData("""{"prompt_tokens":5,"completion_tokens":{"n":7},"total_tokens":12}""")]
    [InlineData("""{"prompt_tokens":5,"completion_tokens":7,"completion_tokens_details":{"reasoning_tokens":-1}}""")]
    public void ACountThatIsNotAWholeNumberOfZeroOrMoreMakesTheUsageUnreadable(string usage)
    {
        // Unreadable means estimated: billing -5 tokens would credit the spend, 1e30 read as 0 would lose it.
        Assert.False(OpenAIUsageReader.TryRead(Encoding.UTF8.GetBytes($$"""{"choices":[],"usage":{{usage}}}"""), out _));

        var meter = new OpenAIStreamMeter(clientRequestedUsage: true);
        meter.Inspect(Encoding.UTF8.GetBytes($$"""{"choices":[],"usage":{{usage}}}"""));
        Assert.False(meter.HasUsage);
    }

    [Fact]
    public void ACountUpToTheLargestAModelCanMeanIsRead()
    {
        Assert.True(OpenAIUsageReader.TryRead("""{"usage":{"prompt_tokens":100000000,"completion_tokens":0}}"""u8, out var usage));
        Assert.Equal(Metering.TokenUsage.MaxCount, usage.InputTokens);
    }

    [Fact]
    public void AudioTokensAreReadFromBothDetailsObjects()
    {
        Assert.True(OpenAIUsageReader.TryRead("""
            {"usage":{"prompt_tokens":100,"completion_tokens":50,"prompt_tokens_details":{"cached_tokens":10,"audio_tokens":60},
             "completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":40}},"service_tier":"default"}
            """u8, out var usage));
        Assert.Equal(new Metering.TokenUsage(100, 10, 0, 50, 0) { AudioInputTokens = 60, AudioOutputTokens = 40, ServiceTier = "default" }, usage);
    }

    [Fact]
    public void NullCountsAreNotReported()
    {
        Assert.True(OpenAIUsageReader.TryRead("""{"usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":null,"prompt_tokens_details":null}}"""u8, out var usage));
        Assert.Equal(new Metering.TokenUsage(5, 0, 0, 2, 0), usage);
    }

    [Fact]
    public void EmbeddingUsageCountsAsInput()
    {
        Assert.True(OpenAIUsageReader.TryRead("""{"data":[],"usage":{"prompt_tokens":8,"total_tokens":8}}"""u8, out var usage));
        Assert.Equal(8, usage.InputTokens);
        Assert.Equal(0, usage.OutputTokens);
    }
}
