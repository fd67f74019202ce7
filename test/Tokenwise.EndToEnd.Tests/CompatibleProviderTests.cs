using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Tokenwise.Metering;
using Tokenwise.Testing;

namespace Tokenwise.EndToEnd.Tests;

/// <summary>
/// OpenAI-compatible families added from the environment (priced from the catalog under their LiteLLM
/// name, Azure with its api-key header), and local providers: free by token, or priced by the hour of
/// upstream time.
/// </summary>
public sealed class CompatibleProviderTests : IAsyncLifetime
{
    private FakeUpstream _upstream = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _upstream = await FakeUpstream.StartAsync();

    public async ValueTask DisposeAsync() => await _upstream.DisposeAsync();

    [Fact]
    public async Task GroqFromTheEnvironmentIsPricedFromTheCatalogsGroqEntry()
    {
        await using var gateway = await TestGateway.StartAsync(new Dictionary<string, string?>(), environment: new Dictionary<string, string?>
        {
            ["GROQ_API_KEY"] = FakeUpstream.ApiKey,
            ["GROQ_BASE_URL"] = _upstream.BaseUrl.ToString(),
        });

        var (usage, record) = await ChatAsync(gateway, "groq/llama-3.1-8b-instant", "hello groq");

        // groq/llama-3.1-8b-instant in the catalog: $0.05/M input, $0.08/M output.
        Assert.Equal(("groq", "llama-3.1-8b-instant"), (record.Provider, record.UpstreamModel));
        Assert.Equal(usage.InputTokens * 0.00000005m + usage.OutputTokens * 0.00000008m, record.CostUsd);
        Assert.True(record.CostUsd > 0);
    }

    [Fact]
    public async Task AzureFromTheEnvironmentCallsTheV1ApiWithAnApiKeyHeader()
    {
        await using var gateway = await TestGateway.StartAsync(new Dictionary<string, string?>(), environment: new Dictionary<string, string?>
        {
            ["AZURE_OPENAI_API_KEY"] = FakeUpstream.ApiKey,
            ["AZURE_OPENAI_ENDPOINT"] = _upstream.Root.ToString(),
        });

        var (usage, record) = await ChatAsync(gateway, "azure/gpt-4o-mini", "hello azure");

        var forwarded = _upstream.Received.Last(r => r.Body.Contains("hello azure", StringComparison.Ordinal));
        Assert.Equal("/openai/v1/chat/completions", forwarded.Path);
        Assert.Equal(FakeUpstream.ApiKey, forwarded.Headers["api-key"]);
        Assert.False(forwarded.Headers.ContainsKey("Authorization"));
        Assert.Equal("azure", record.Provider);
        Assert.True(record.CostUsd > 0, "azure/gpt-4o-mini is in the catalog");
        Assert.Equal(usage, record.Usage);
    }

    [Fact]
    public async Task AnOllamaServerFromTheEnvironmentIsLocalAndFree()
    {
        await using var gateway = await TestGateway.StartAsync(new Dictionary<string, string?>(), environment: new Dictionary<string, string?>
        {
            ["OLLAMA_BASE_URL"] = _upstream.BaseUrl.ToString(),
            ["OLLAMA_API_KEY"] = FakeUpstream.ApiKey, // the fake wants a key; a real Ollama needs none
        });

        // gpt-4o-mini has a catalog price, but on a local server its tokens cost nothing.
        var (usage, record) = await ChatAsync(gateway, "ollama/gpt-4o-mini", "hello local");

        Assert.True(usage.InputTokens > 0 && usage.OutputTokens > 0);
        Assert.Equal(("ollama", 0m), (record.Provider, record.CostUsd));
        var resolver = gateway.Services.GetRequiredService<Hosting.GatewayComponents>().Resolver;
        Assert.True(resolver.Providers.Single(p => p.Name == "ollama").Local);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ALocalProviderWithAnHourlyCostChargesItsUpstreamTime(bool stream)
    {
        await using var gateway = await TestGateway.StartAsync(new Dictionary<string, string?>
        {
            ["providers:gpu:type"] = "openai-compatible",
            ["providers:gpu:base_url"] = _upstream.BaseUrl.ToString(),
            ["providers:gpu:api_key"] = FakeUpstream.ApiKey,
            ["providers:gpu:local"] = "true",
            ["providers:gpu:cost_per_hour_usd"] = "1.20",
        });

        var (_, record) = await ChatAsync(gateway, "gpu/gpt-4o-mini", "#fake:slow-50 hello gpu", stream);

        // $1.20 an hour for the time the request held the server: latency_ms / 3,600,000 ms of an hour.
        Assert.True(record.LatencyMs > 0);
        Assert.Equal(decimal.Round(1.20m * (decimal)record.LatencyMs / 3_600_000m, 12), record.CostUsd);
        Assert.True(record.Usage.OutputTokens > 0, "tokens are still counted, only not priced");
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>One chat request; the usage the client saw (from the usage chunk when streamed) and its record.</summary>
    private static async Task<(TokenUsage Usage, UsageRecord Record)> ChatAsync(TestGateway gateway, string model, string prompt, bool stream = false)
    {
        using var http = new HttpClient { BaseAddress = gateway.BaseUrl, Timeout = TimeSpan.FromSeconds(60) };
        var options = stream ? ""","stream":true,"stream_options":{"include_usage":true}""" : "";
        using var response = await http.PostAsync("v1/chat/completions",
            Json($$"""{"model":"{{model}}","messages":[{"role":"user","content":"{{prompt}}"}]{{options}}}"""), Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        var json = stream
            ? body.Split('\n').Last(l => l.Contains("\"usage\":{", StringComparison.Ordinal))[6..]
            : body;
        Assert.True(OpenAI.OpenAIUsageReader.TryRead(Encoding.UTF8.GetBytes(json), out var usage), json);
        var record = await gateway.RecordAsync(response.Headers.GetValues("x-tokenwise-request-id").Single());
        return (usage, record);
    }
}
