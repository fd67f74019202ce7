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
        await using var gateway = await TestGateway.StartAsync(new Dictionary<string, string?>
        {
            ["demo"] = "true",
            ["providers:simulated:type"] = "simulated",
            ["providers:simulated:latency"] = "none",
        });
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
        await using var gateway = await TestGateway.StartAsync(new Dictionary<string, string?>
        {
            ["demo"] = "true",
            ["providers:simulated:type"] = "simulated",
            ["providers:simulated:latency"] = "none",
        });
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
        await using var gateway = await TestGateway.StartAsync(new Dictionary<string, string?>
        {
            ["demo"] = "true",
            ["providers:simulated:type"] = "simulated",
            ["providers:simulated:latency"] = "none",
        });
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
}
