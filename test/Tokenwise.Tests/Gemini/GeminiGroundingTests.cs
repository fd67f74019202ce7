using System.Buffers;
using System.Text;
using System.Text.Json;
using Tokenwise.Providers.Gemini;

namespace Tokenwise.Tests.Gemini;

/// <summary>
/// Grounding with Google Search: OpenAI's <c>web_search_options</c> become Gemini's <c>google_search</c> tool, and the
/// searches of a grounded answer are counted as Google bills them (the golden case <c>grounded-search</c> shows the bytes).
/// </summary>
public sealed class GeminiGroundingTests
{
    private const string Grounding = """
        "groundingMetadata":{"webSearchQueries":["q1","q2","q3"],"groundingChunks":[{"web":{"uri":"https://a.example","title":"a"}}],
          "groundingSupports":[{"segment":{"endIndex":5,"text":"Hello"},"groundingChunkIndices":[0]}]}
        """;

    [Theory]
    [InlineData("""{"search_context_size":"high"}""", """[{"functionDeclarations":[{"name":"f"}]},{"google_search":{}}]""")]
    [InlineData("""{"user_location":null}""", """[{"functionDeclarations":[{"name":"f"}]},{"google_search":{}}]""")]
    public void WebSearchOptionsAddGoogleSearchBesideTheFunctions(string options, string tools)
    {
        var body = Encoding.UTF8.GetBytes($$$"""
            {"model":"m","web_search_options":{{{options}}},"tools":[{"type":"function","function":{"name":"f"}}],"messages":[{"role":"user","content":"hi"}]}
            """);

        Assert.True(GeminiRequestTranslator.TryTranslate(body, out var gemini, out var error), error?.Message);
        Assert.Equal(tools, JsonSerializer.Serialize(gemini["tools"]));
    }

    [Theory]
    [InlineData("""{"user_location":{"type":"approximate","approximate":{"city":"Oslo"}}}""", "web_search_options.user_location")]
    [InlineData("true", "web_search_options")]
    public void WebSearchOptionsGeminiCannotHonourAreA400NamingThem(string options, string param)
    {
        var body = Encoding.UTF8.GetBytes($$"""{"model":"m","web_search_options":{{options}},"messages":[{"role":"user","content":"hi"}]}""");

        Assert.False(GeminiRequestTranslator.TryTranslate(body, out _, out var error));
        Assert.Equal((400, param), (error.Status, error.Param));
    }

    [Theory]
    [InlineData(false, 1)] // Gemini 2.x: the grounded answer once, whatever its three queries
    [InlineData(true, 3)]  // Gemini 3: each query
    public void AGroundedAnswerCountsItsSearchesAsGoogleBillsThem(bool perQuery, long searches)
    {
        var answer = Encoding.UTF8.GetBytes($$$"""
            {"candidates":[{"content":{"parts":[{"text":"Hello world"}]},"finishReason":"STOP",{{{Grounding}}}}],"usageMetadata":{"promptTokenCount":3,"candidatesTokenCount":2}}
            """);

        var (body, usage) = GeminiResponseTranslator.ToChatCompletion(answer, "m", 0, perQuery);

        Assert.Equal(searches, usage!.Value.WebSearchRequests);
        using var json = JsonDocument.Parse(body!);
        var citation = json.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("annotations")[0].GetProperty("url_citation");
        Assert.Equal((0, 5, "https://a.example"), (citation.GetProperty("start_index").GetInt32(), citation.GetProperty("end_index").GetInt32(), citation.GetProperty("url").GetString()));
    }

    [Fact]
    public void AnAnswerNotGroundedRunsNoSearch()
    {
        var answer = """{"candidates":[{"content":{"parts":[{"text":"Hi"}]},"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":3,"candidatesTokenCount":1}}"""u8;

        Assert.Equal(0, GeminiResponseTranslator.ToChatCompletion(answer, "m", 0, searchesPerQuery: true).Usage!.Value.WebSearchRequests);
    }

    [Fact]
    public void AStreamCutShortAfterItsSearchesStillCountsThem()
    {
        var translator = new GeminiStreamTranslator("m", 0, searchesPerQuery: true);
        var output = new ArrayBufferWriter<byte>();
        translator.Translate(Encoding.UTF8.GetBytes($$$"""
            {"candidates":[{"content":{"parts":[{"text":"Hello"}]},{{{Grounding}}}}],"usageMetadata":{"promptTokenCount":3,"candidatesTokenCount":1}}
            """), output);
        translator.Complete(output);

        // Unfinished: nothing is reported whole (the gateway estimates the output), but the prompt and the searches are kept.
        Assert.Null(translator.ReportedUsage);
        Assert.Equal((3L, 3L), (translator.PartialUsage!.Value.InputTokens, translator.PartialUsage.Value.WebSearchRequests));
        Assert.DoesNotContain("annotations", Encoding.UTF8.GetString(output.WrittenSpan), StringComparison.Ordinal);
    }
}
