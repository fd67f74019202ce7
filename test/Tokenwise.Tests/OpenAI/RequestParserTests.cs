using System.Text;
using Tokenwise.Json;
using Tokenwise.OpenAI;
using Tokenwise.Pipeline;

namespace Tokenwise.Tests.OpenAI;

public sealed class RequestParserTests
{
    private static LlmRequest Parse(string json)
    {
        Assert.True(OpenAIRequestParser.TryParse(Encoding.UTF8.GetBytes(json), ApiKind.ChatCompletions, out var request, out var error), error?.Message);
        return request;
    }

    private static GatewayError Reject(string json)
    {
        Assert.False(OpenAIRequestParser.TryParse(Encoding.UTF8.GetBytes(json), ApiKind.ChatCompletions, out _, out var error));
        return error;
    }

    private static string Rewrite(string json, string upstreamModel)
    {
        var request = Parse(json);
        using var output = new PooledBufferWriter();
        OpenAIUpstreamBody.Write(request, upstreamModel, output);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    [Fact]
    public void ReadsTheFieldsTheGatewayActsOn()
    {
        var request = Parse("""{"messages":[],"model":"gpt-4o-mini","stream":true,"stream_options":{"include_usage":true},"max_tokens":50,"max_completion_tokens":70}""");

        Assert.Equal("gpt-4o-mini", request.Model);
        Assert.True(request.Stream);
        Assert.True(request.ClientRequestedUsage);
        Assert.Equal(70, request.MaxOutputTokens);
    }

    [Theory]
    [InlineData("""{"model":""", "invalid_json")]
    [InlineData("""{"model":"a"} trailing""", "invalid_json")]
    [InlineData("""[1,2]""", "invalid_json")]
    [InlineData("""{"messages":[]}""", "missing_required_parameter")]
    [InlineData("""{"model":42}""", "invalid_type")]
    [InlineData("""{"model":"a",}""", "invalid_json")]
    public void MalformedBodiesAreRejectedWithA400(string json, string code)
    {
        var error = Reject(json);
        Assert.Equal(400, error.Status);
        Assert.Equal(code, error.Code);
        Assert.Equal("invalid_request_error", error.Type);
    }

    [Theory]
    [InlineData("""{"model":"a","messages":[{"content":"\ud83d"}]}""", 37)]
    [InlineData("""{"model":"a","messages":[{"content":"x\uDE00y"}]}""", 38)]
    [InlineData("""{"model":"a","x":"\\\ud800"}""", 20)]
    [InlineData("""{"model":"\ud83d\ud83d\ude00"}""", 10)]
    [InlineData("""{"model":"a","\udfff":1}""", 14)]
    public void ALoneSurrogateEscapeIsRejectedWhereverItIs(string json, int at)
    {
        var error = Reject(json);
        Assert.Equal((400, "invalid_json"), (error.Status, error.Code));
        Assert.Contains($"at byte {at} is half of a surrogate pair", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"model":"a","messages":[{"content":"\ud83d\ude00 \uD83D\uDE00"}]}""")]
    [InlineData("""{"model":"a","path":"C:\\users\\udo","quote":"\"\\"}""")] // \\u is an escaped backslash, then text
    [InlineData("""{"model":"a","e":"\u00e9\u0000"}""")]
    public void PairedSurrogatesAndEscapedBackslashesAreText(string json) => Parse(json);

    [Fact]
    public void InvalidUtf8IsRejected()
    {
        byte[] body = [.. """{"model":"a","content":"caf"""u8, 0xE9, .. "\"}"u8];
        Assert.False(OpenAIRequestParser.TryParse(body, ApiKind.ChatCompletions, out _, out var error));
        Assert.Equal((400, "invalid_json"), (error.Status, error.Code));
        Assert.Contains("not valid UTF-8", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"model":"a","max_tokens":-1}""", null)]
    [InlineData("""{"model":"a","max_completion_tokens":9223372036854775807,"max_tokens":50}""", 50L)]
    [InlineData("""{"model":"a","max_output_tokens":100000000}""", 100_000_000L)]
    public void AnOutputBoundNoModelCanHaveBoundsNothing(string json, long? expected) => Assert.Equal(expected, Parse(json).MaxOutputTokens);

    [Theory]
    [InlineData("""{"model":"m","messages":[]}""", null)]
    [InlineData("""{"model":"m","web_search_options":{}}""", null)]
    [InlineData("""{"model":"m","web_search_options":{"user_location":{"type":"approximate","approximate":{"city":"Oslo"}},"search_context_size":"high"}}""", "high")]
    [InlineData("""{"model":"m","web_search_options":{"search_context_size":"low"}}""", "low")]
    [InlineData("""{"model":"m","web_search_options":{"search_context_size":"medium"}}""", "medium")]
    [InlineData("""{"model":"m","web_search_options":{"search_context_size":"huge"}}""", null)]
    [InlineData("""{"model":"m","web_search_options":{"search_context_size":3}}""", null)]
    [InlineData("""{"model":"m","web_search_options":"high"}""", null)]
    public void TheSearchContextSizeIsReadFromTheWebSearchOptions(string json, string? expected) =>
        Assert.Equal(expected, Parse(json).SearchContextSize);

    [Theory]
    [InlineData("""{"model":"m","messages":[]}""", false)]
    [InlineData("""{"model":"m","web_search_options":{}}""", true)]
    [InlineData("""{"model":"m","web_search_options":{"search_context_size":"low"}}""", true)]
    [InlineData("""{"model":"m","web_search_options":null}""", false)]
    [InlineData("""{"model":"m","web_search_options":"high"}""", false)]
    public void AChatRequestWithWebSearchOptionsAsksToSearch(string json, bool asks) =>
        Assert.Equal(asks, Parse(json).WebSearchOptions);

    [Theory]
    [InlineData("""{"model":"m","input":"x"}""", 0L, null)]
    [InlineData("""{"model":"m","tools":[{"type":"function","name":"f"}],"input":"x"}""", 0L, null)]
    [InlineData("""{"model":"m","tools":[{"type":"web_search"}],"input":"x"}""", null, null)]             // no max_tool_calls: no bound
    [InlineData("""{"model":"m","max_tool_calls":3,"tools":[{"type":"function","name":"f"},{"type":"web_search_preview","search_context_size":"high"}]}""", 3L, "high")]
    [InlineData("""{"model":"m","tools":[{"type":"web_search_2025_08_26","search_context_size":"low"}],"max_tool_calls":1}""", 1L, "low")]
    [InlineData("""{"model":"m","tools":[{"type":{"web_search":1},"search_context_size":["high"]},7,"web_search"],"max_tool_calls":-1}""", 0L, null)]
    [InlineData("""{"model":"m","tools":{"type":"web_search"},"max_tool_calls":2.5}""", 0L, null)]
    public void AResponsesRequestsWebSearchToolIsBoundedByItsMaxToolCalls(string json, long? maxSearches, string? size)
    {
        Assert.True(OpenAIRequestParser.TryParse(Encoding.UTF8.GetBytes(json), ApiKind.Responses, out var request, out var error), error?.Message);
        Assert.Equal((maxSearches, size), (request.MaxWebSearches, request.SearchContextSize));
    }

    [Fact]
    public void EscapedModelNamesAreDecoded()
    {
        Assert.Equal("my/model", Parse("""{"model":"my\/model"}""").Model);
    }

    [Fact]
    public void RenamingTheModelChangesOnlyItsValue()
    {
        const string body = """{ "zeta" : 1, "model" : "fast", "messages":[{"role":"user","content":"hi \u00e9"}], "alpha":{"x":[1,2.50]} }""";

        var rewritten = Rewrite(body, "gpt-4o-mini");

        Assert.Equal(body.Replace("\"fast\"", "\"gpt-4o-mini\"", StringComparison.Ordinal), rewritten);
    }

    [Fact]
    public void StreamingRequestsAskForUsage()
    {
        Assert.Equal(
            """{"model":"m","stream":true,"messages":[],"stream_options":{"include_usage":true}}""",
            Rewrite("""{"model":"m","stream":true,"messages":[]}""", "m"));
    }

    [Fact]
    public void ExistingStreamOptionsKeepTheirOtherMembers()
    {
        Assert.Equal(
            """{"stream_options":{"include_usage":true,"include_obfuscation":false},"model":"up","stream":true}""",
            Rewrite("""{"stream_options":{"include_usage":false,"include_obfuscation":false},"model":"m","stream":true}""", "up"));
    }

    [Fact]
    public void AClientThatAskedForUsageIsForwardedAsIs()
    {
        var request = Parse("""{"model":"m","stream":true,"stream_options":{"include_usage":true}}""");
        Assert.False(OpenAIUpstreamBody.NeedsRewrite(request, "m"));
    }
}
