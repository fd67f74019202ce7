using System.Net;
using System.Text;
using System.Text.Json;
using Tokenwise.Pricing;
using Tokenwise.Testing;

namespace Tokenwise.EndToEnd.Tests;

/// <summary><c>serve --demo</c>: with no key and no config, catalog models answer from the simulated provider.</summary>
public sealed class DemoModeTests
{
    [Theory]
    [InlineData("gpt-4o")]
    [InlineData("openai/gpt-4o")] // a gateway-style name of a provider that is not configured
    public async Task DemoAnswersCatalogModelsPricedAtTheirCatalogPrice(string model)
    {
        await using var gateway = await StartDemoAsync();
        using var http = new HttpClient { BaseAddress = gateway.BaseUrl };
        using var response = await http.PostAsync("v1/chat/completions",
            new StringContent($$"""{"model":"{{model}}","messages":[{"role":"user","content":"hello demo"}]}""", Encoding.UTF8, "application/json"),
            TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var usage = json.RootElement.GetProperty("usage");
        var record = await gateway.RecordAsync(response.Headers.GetValues("x-tokenwise-request-id").Single());
        Assert.Equal(("simulated", "gpt-4o"), (record.Provider, record.UpstreamModel));
        // gpt-4o: $2.50/M input, $10/M output.
        Assert.Equal(usage.GetProperty("prompt_tokens").GetInt64() * 0.0000025m + usage.GetProperty("completion_tokens").GetInt64() * 0.00001m, record.CostUsd);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task DemoServesTheResponsesApiStreamedAndNot(bool stream)
    {
        await using var gateway = await StartDemoAsync();
        using var http = new HttpClient { BaseAddress = gateway.BaseUrl };
        using var response = await http.PostAsync("v1/responses",
            new StringContent($$"""{"model":"gpt-4o","input":"hello demo","stream":{{(stream ? "true" : "false")}}}""", Encoding.UTF8, "application/json"),
            TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var completed = stream
            ? body.Split("\n").Last(l => l.StartsWith("data: {\"type\":\"response.completed\"", StringComparison.Ordinal))[6..]
            : body;
        using var json = JsonDocument.Parse(completed);
        var usage = (stream ? json.RootElement.GetProperty("response") : json.RootElement).GetProperty("usage");
        var record = await gateway.RecordAsync(response.Headers.GetValues("x-tokenwise-request-id").Single());
        Assert.Equal(("simulated", "responses", stream, false), (record.Provider, record.Endpoint, record.Stream, record.Estimated));
        // gpt-4o: $2.50/M input, $10/M output.
        Assert.Equal(usage.GetProperty("input_tokens").GetInt64() * 0.0000025m + usage.GetProperty("output_tokens").GetInt64() * 0.00001m, record.CostUsd);
    }

    [Theory]
    [InlineData("gemini/gemini-2.5-flash", false, 1, "0.035")] // a grounded answer, billed once
    [InlineData("gemini/gemini-3-flash-preview", true, 2, "0.028")] // two search queries, each billed
    [InlineData("claude-sonnet-4-5", true, 1, "0.01")]           // Claude's web search tool, one search
    [InlineData("gpt-4o-mini-search-preview", false, 1, "0.0275")] // a search model: its one search, at medium
    [InlineData("gpt-4o-mini", false, 0, "0")]                     // no search price: it does not search
    public async Task DemoAnswersWebSearchOptionsWithACitedSearchBilledAsItsProviderBillsIt(string model, bool stream, long searches, string searchCost)
    {
        await using var gateway = await StartDemoAsync();
        using var http = new HttpClient { BaseAddress = gateway.BaseUrl };
        using var response = await http.PostAsync("v1/chat/completions", new StringContent($$"""
            {"model":"{{model}}","stream":{{(stream ? "true" : "false")}},"web_search_options":{},"messages":[{"role":"user","content":"news in the demo?"}]}
            """, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var record = await gateway.RecordAsync(response.Headers.GetValues("x-tokenwise-request-id").Single());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(searches > 0, body.Contains("\"url\":\"https://example.com/tokenwise-simulated-search\"", StringComparison.Ordinal));
        Assert.Equal((searches, false, false), (record.Usage.WebSearchRequests, record.Estimated, record.Unpriced));
        var price = PriceCatalog.Embedded.Find(model.Split('/')[^1], model.Contains('/') ? model.Split('/')[0] : null)!;
        Assert.Equal(record.Usage.InputTokens * price.InputPerToken + record.Usage.OutputTokens * price.OutputPerToken
            + decimal.Parse(searchCost, System.Globalization.CultureInfo.InvariantCulture), record.CostUsd);
    }

    /// <summary>
    /// The gateway forwards what it does not read untouched, so the simulated provider gets every shape a client sends:
    /// it answers them as OpenAI does (a tool's result of any shape is still a conversation to answer), never with a 500.
    /// </summary>
    [Theory]
    [InlineData("""{"role":"tool","tool_call_id":"c1","content":1}""")]
    [InlineData("""{"role":"tool","tool_call_id":"c1","content":null}""")]
    [InlineData("""{"role":"tool","tool_call_id":"c1","content":{"a":1}}""")]
    [InlineData("""{"role":"tool","tool_call_id":"c1","content":[1,null,{"text":5},{"type":"text","text":"ok"}]}""")]
    [InlineData("""{"role":7,"content":"hi"}""")]
    [InlineData("""5""")]
    public async Task DemoAnswersAConversationOfAnyShapeItIsForwarded(string lastMessage)
    {
        await using var gateway = await StartDemoAsync();
        using var http = new HttpClient { BaseAddress = gateway.BaseUrl };
        using var response = await http.PostAsync("v1/chat/completions", new StringContent($$"""
            {"model":"gpt-4o-mini","messages":[{"role":"user","content":"call the tool"},{{lastMessage}}]}
            """, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        var record = await gateway.RecordAsync(response.Headers.GetValues("x-tokenwise-request-id").Single());

        Assert.Equal((HttpStatusCode.OK, 200), (response.StatusCode, record.Status));
        Assert.True(record.Usage.OutputTokens > 0);
    }

    /// <summary>
    /// <c>dimensions</c> that no embedding model makes get OpenAI's 400, naming the field; a float vector is the answer to any
    /// <c>encoding_format</c> but <c>base64</c>.
    /// </summary>
    [Theory]
    [InlineData("\"dimensions\":8", 200, 8)]
    [InlineData("\"dimensions\":8,\"encoding_format\":1", 200, 8)]
    [InlineData("\"dimensions\":0", 400, 0)]
    [InlineData("\"dimensions\":-1", 400, 0)]
    [InlineData("\"dimensions\":3073", 400, 0)]
    [InlineData("\"dimensions\":\"8\"", 400, 0)]
    [InlineData("\"dimensions\":null", 400, 0)]
    public async Task DemoEmbedsAtTheDimensionsAskedAndRefusesThoseNoModelMakes(string options, int status, int dimensions)
    {
        await using var gateway = await StartDemoAsync();
        using var http = new HttpClient { BaseAddress = gateway.BaseUrl };
        using var response = await http.PostAsync("v1/embeddings", new StringContent($$"""
            {"model":"text-embedding-3-small","input":"hello demo",{{options}}}
            """, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var record = await gateway.RecordAsync(response.Headers.GetValues("x-tokenwise-request-id").Single());

        Assert.Equal((status, status), ((int)response.StatusCode, record.Status));
        if (status == 200)
        {
            Assert.Equal(dimensions, json.RootElement.GetProperty("data")[0].GetProperty("embedding").GetArrayLength());
        }
        else
        {
            var error = json.RootElement.GetProperty("error");
            Assert.Equal(("invalid_request_error", "invalid_value", "dimensions"),
                (error.GetProperty("type").GetString(), error.GetProperty("code").GetString(), error.GetProperty("param").GetString()));
        }
    }

    /// <summary>A repeated search is served from the cache like any other request, and what the hit saves includes the search fee.</summary>
    [Fact]
    public async Task ARepeatedSearchIsServedFromTheCacheSavingItsSearchFeeToo()
    {
        await using var gateway = await StartDemoAsync();
        using var http = new HttpClient { BaseAddress = gateway.BaseUrl };
        async Task<(string? Cache, Tokenwise.Metering.UsageRecord Record)> SearchAsync()
        {
            using var response = await http.PostAsync("v1/chat/completions", new StringContent("""
                {"model":"gpt-4o-mini-search-preview","messages":[{"role":"user","content":"what changed in the demo today?"}]}
                """, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return (response.Headers.GetValues("x-tokenwise-cache").Single(),
                await gateway.RecordAsync(response.Headers.GetValues("x-tokenwise-request-id").Single()));
        }

        var (firstCache, first) = await SearchAsync();
        var (secondCache, second) = await SearchAsync();

        Assert.Equal(("miss", "hit-exact"), (firstCache, secondCache));
        Assert.Equal((1L, 1L), (first.Usage.WebSearchRequests, second.Usage.WebSearchRequests));
        var price = PriceCatalog.Embedded.Find("gpt-4o-mini-search-preview", null)!;
        var searchFee = 0.0275m; // one search at the medium context size
        Assert.Equal(first.Usage.InputTokens * price.InputPerToken + first.Usage.OutputTokens * price.OutputPerToken + searchFee, first.CostUsd);
        Assert.Equal((0m, first.CostUsd), (second.CostUsd, second.SavedUsd));
    }

    private static Task<TestGateway> StartDemoAsync() => TestGateway.StartAsync(new Dictionary<string, string?>
    {
        ["demo"] = "true",
        ["providers:simulated:type"] = "simulated",
        ["providers:simulated:latency"] = "none",
    });
}
