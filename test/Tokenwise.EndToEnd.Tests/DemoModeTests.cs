using System.Net;
using System.Text;
using System.Text.Json;
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
}
