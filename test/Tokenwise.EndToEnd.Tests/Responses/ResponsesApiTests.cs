// The SDK marks its Responses API types as evaluation-only (OPENAI001); they are what clients use.
#pragma warning disable OPENAI001

using System.ClientModel;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using OpenAI.Responses;
using Tokenwise.Metering;
using Tokenwise.Testing;

namespace Tokenwise.EndToEnd.Tests.Responses;

/// <summary>
/// OpenAI's Responses API through the gateway with the official OpenAI .NET SDK: forwarded untouched but
/// for the model, metered exactly from <c>usage</c> (non-streamed) and <c>response.completed</c>
/// (streamed), refused for providers without it, held to rate limits, estimated when the client leaves.
/// </summary>
public sealed class ResponsesApiTests(ResponsesFixture fixture) : IClassFixture<ResponsesFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task NonStreamedResponseWithCachedAndReasoningTokensCostsWhatTheCatalogSays()
    {
        var result = await fixture.Client().CreateResponseAsync(new CreateResponseOptions
        {
            Model = "o3-mini",
            InputItems = { ResponseItem.CreateUserMessageItem("#fake:cached-reasoning Explain prompt caching in two sentences, please.") },
        }, Ct);

        var response = result.Value;
        Assert.False(string.IsNullOrEmpty(response.GetOutputText()));
        var usage = response.Usage;
        Assert.True(usage.InputTokenDetails.CachedTokenCount > 0);
        Assert.Equal(64, usage.OutputTokenDetails.ReasoningTokenCount);

        result.GetRawResponse().Headers.TryGetValue("x-tokenwise-request-id", out var requestId);
        var record = await fixture.Gateway.RecordAsync(requestId!);
        Assert.Equal(("responses", "openai", "openai", false), (record.Endpoint, record.Dialect, record.Provider, record.Stream));
        Assert.Equal((usage.InputTokenCount, usage.InputTokenDetails.CachedTokenCount, usage.OutputTokenCount, 64L),
            (record.Usage.InputTokens, record.Usage.CachedInputTokens, record.Usage.OutputTokens, record.Usage.ReasoningTokens));
        Assert.Equal(HandCosts.O3Mini(usage.InputTokenCount, usage.InputTokenDetails.CachedTokenCount, usage.OutputTokenCount), record.CostUsd);
        Assert.False(record.Estimated);
    }

    [Fact]
    public async Task StreamedResponseIsMeteredFromResponseCompleted()
    {
        var text = new StringBuilder();
        ResponseResult? completed = null;
        await foreach (var update in await fixture.Client().CreateResponseStreamingAsync(new CreateResponseOptions
        {
            Model = "o3-mini",
            StreamingEnabled = true,
            InputItems = { ResponseItem.CreateUserMessageItem("#fake:cached-reasoning Stream me an answer about caches.") },
        }, Ct))
        {
            switch (update)
            {
                case StreamingResponseOutputTextDeltaUpdate delta:
                    text.Append(delta.Delta);
                    break;
                case StreamingResponseCompletedUpdate done:
                    completed = done.Response;
                    break;
            }
        }

        Assert.NotNull(completed);
        Assert.Equal(completed.GetOutputText(), text.ToString());
        var record = (await fixture.Gateway.RecordsAsync(r => r.Endpoint == "responses" && r.Stream && r.Usage.ReasoningTokens == 64)).First();
        Assert.Equal((completed.Usage.InputTokenCount, completed.Usage.InputTokenDetails.CachedTokenCount, completed.Usage.OutputTokenCount),
            (record.Usage.InputTokens, record.Usage.CachedInputTokens, record.Usage.OutputTokens));
        Assert.Equal(HandCosts.O3Mini(record.Usage.InputTokens, record.Usage.CachedInputTokens, record.Usage.OutputTokens), record.CostUsd);
        Assert.Equal((200, false), (record.Status, record.Estimated));
        Assert.True(record.TtftMs > 0);

        // The Responses API has no stream_options: only the model may change on the way up.
        var forwarded = fixture.Upstream.Received.Last(r => r.Body.Contains("Stream me an answer about caches", StringComparison.Ordinal));
        Assert.Equal("/v1/responses", forwarded.Path);
        Assert.DoesNotContain("stream_options", forwarded.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryFieldButTheModelIsForwardedByteForByte()
    {
        const string tail = """
            ,"input":[{"role":"user","content":[{"type":"input_text","text":"fields, untouched"}]}],"instructions":"Be brief.","store":false,"reasoning":{"effort":"low"},"text":{"format":{"type":"text"}},"x_vendor":[1,2.50,{"a":null}]}
            """;
        using var http = fixture.Http();
        using var response = await http.PostAsync("v1/responses", new StringContent("""{"model":"openai/o3-mini" """ + tail, Encoding.UTF8, "application/json"), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var forwarded = fixture.Upstream.Received.Last(r => r.Body.Contains("fields, untouched", StringComparison.Ordinal));
        Assert.Equal("""{"model":"o3-mini" """ + tail, forwarded.Body);
        Assert.Equal("Bearer " + FakeUpstream.ApiKey, forwarded.Headers["Authorization"]); // the provider's key, never the client's
    }

    [Fact]
    public async Task AModelOfAProviderWithoutTheResponsesApiGetsAClear400()
    {
        var error = await Assert.ThrowsAsync<ClientResultException>(() => fixture.Client().CreateResponseAsync(new CreateResponseOptions
        {
            Model = "claude-sonnet-4-5",
            InputItems = { ResponseItem.CreateUserMessageItem("Hello") },
        }, Ct));

        Assert.Equal(400, error.Status);
        var raw = error.GetRawResponse()!;
        using var body = JsonDocument.Parse(raw.Content.ToString());
        var detail = body.RootElement.GetProperty("error");
        Assert.Equal(("invalid_request_error", "responses_api_unavailable", "model"),
            (detail.GetProperty("type").GetString(), detail.GetProperty("code").GetString(), detail.GetProperty("param").GetString()));
        Assert.Contains("provider 'anthropic'", detail.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("Responses API", detail.GetProperty("message").GetString(), StringComparison.Ordinal);

        var record = await fixture.Gateway.RecordAsync(raw.Headers.TryGetValue("x-tokenwise-request-id", out var id) ? id! : "");
        Assert.Equal((400, "responses_api_unavailable", 0m), (record.Status, record.ErrorCode, record.CostUsd));
    }

    [Fact]
    public async Task RateLimitsApplyToTheResponsesApi()
    {
        using var admin = fixture.Http();
        using var created = await admin.PostAsJsonAsync("admin/keys", new { name = "responses-app", team = "responses" }, Ct);
        var key = await created.Content.ReadFromJsonAsync<JsonElement>(Ct);
        using var limit = await admin.PostAsJsonAsync("admin/rate-limits",
            new { scope = "key", target = key.GetProperty("id").GetString(), requests_per_minute = 1 }, Ct);
        Assert.Equal(HttpStatusCode.Created, limit.StatusCode);
        var client = fixture.Client(key.GetProperty("key").GetString()!);
        var options = new CreateResponseOptions { Model = "gpt-4o-mini", InputItems = { ResponseItem.CreateUserMessageItem("one") } };

        await client.CreateResponseAsync(options, Ct);
        var error = await Assert.ThrowsAsync<ClientResultException>(() => client.CreateResponseAsync(options, Ct));

        Assert.Equal(429, error.Status);
        using var body = JsonDocument.Parse(error.GetRawResponse()!.Content.ToString());
        Assert.Equal("rate_limit_exceeded", body.RootElement.GetProperty("error").GetProperty("code").GetString());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TheWebSearchCallsOfAResponseAreBilledAtTheSearchContextSizeItsToolAsksFor(bool stream)
    {
        // The shipped catalog prices no search for gpt-4.1 (LiteLLM's file of 2026-07 prices them on the search models only);
        // this override does, as later LiteLLM files do: $25, $27.50 and $30 per 1,000 by size.
        var prices = await PriceFileAsync("""
            {"gpt-4.1": {"litellm_provider": "openai", "mode": "responses", "input_cost_per_token": 2e-06, "output_cost_per_token": 8e-06,
              "search_context_cost_per_query": {"search_context_size_low": 0.025, "search_context_size_medium": 0.0275, "search_context_size_high": 0.03}}}
            """);
        await using var gateway = await TestGateway.StartAsync(fixture.Upstream, new Dictionary<string, string?> { ["pricing:overrides_file"] = prices });
        var client = new global::OpenAI.OpenAIClient(new ApiKeyCredential("any"), new global::OpenAI.OpenAIClientOptions { Endpoint = gateway.OpenAIBaseUrl }).GetResponsesClient();
        var options = new CreateResponseOptions
        {
            Model = "gpt-4.1",
            StreamingEnabled = stream,
            Tools = { ResponseTool.CreateWebSearchTool(searchContextSize: WebSearchToolContextSize.Low) },
            InputItems = { ResponseItem.CreateUserMessageItem($"What is new in Oslo? (stream: {stream})") },
        };

        var searchesSeen = 0;
        if (stream)
        {
            await foreach (var update in await client.CreateResponseStreamingAsync(options, Ct))
            {
                searchesSeen += update is StreamingResponseOutputItemDoneUpdate { Item: WebSearchCallResponseItem } ? 1 : 0;
            }
        }
        else
        {
            var result = await client.CreateResponseAsync(options, Ct);
            searchesSeen = result.Value.OutputItems.OfType<WebSearchCallResponseItem>().Count();
        }

        // The simulated answer searches twice; its usage object does not count searches, the output items do.
        Assert.Equal(2, searchesSeen);
        var record = (await gateway.RecordsAsync(r => r.Endpoint == "responses")).Single();
        Assert.Equal((2L, "low", false), (record.Usage.WebSearchRequests, record.Usage.SearchContextSize, record.Estimated));
        Assert.Equal(record.Usage.InputTokens * 0.000002m + record.Usage.OutputTokens * 0.000008m + 2 * 0.025m, record.CostUsd);
        File.Delete(prices);
    }

    [Fact]
    public async Task AHardBudgetRefusesAResponseWithAWebSearchToolAndNoMaxToolCallsWhereSearchesArePriced()
    {
        var prices = await PriceFileAsync("""
            {"gpt-4.1": {"litellm_provider": "openai", "mode": "responses", "input_cost_per_token": 2e-06, "output_cost_per_token": 8e-06,
              "search_context_cost_per_query": {"search_context_size_medium": 0.0275}}}
            """);
        await using var gateway = await TestGateway.StartAsync(fixture.Upstream, new Dictionary<string, string?>
        {
            ["pricing:overrides_file"] = prices,
            ["master_key"] = "sk-master-test",
        });
        using var admin = new HttpClient { BaseAddress = gateway.BaseUrl };
        admin.DefaultRequestHeaders.Authorization = new("Bearer", "sk-master-test");
        using var created = await admin.PostAsJsonAsync("admin/budgets", new { id = "cap", scope = "team", target = "research", amount_usd = 10, period = "day", mode = "hard" }, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using var key = await admin.PostAsJsonAsync("admin/keys", new { name = "research-app", team = "research" }, Ct);
        var secret = (await key.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("key").GetString()!;
        using var http = new HttpClient { BaseAddress = gateway.BaseUrl };
        http.DefaultRequestHeaders.Authorization = new("Bearer", secret);

        async Task<(HttpStatusCode Status, string Body)> Ask(string bound)
        {
            using var response = await http.PostAsync("v1/responses", new StringContent(
                $$"""{"model":"gpt-4.1","tools":[{"type":"web_search"}]{{bound}},"input":"news?"}""", Encoding.UTF8, "application/json"), Ct);
            return (response.StatusCode, await response.Content.ReadAsStringAsync(Ct));
        }

        var (status, body) = await Ask("");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("\"code\":\"web_search_unbounded\"", body, StringComparison.Ordinal);
        Assert.Contains("max_tool_calls", body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await Ask(""","max_tool_calls":3""")).Status);
        File.Delete(prices);
    }

    /// <summary>A price override file (<c>pricing.overrides_file</c>) holding <paramref name="json"/>, in the temp folder.</summary>
    private static async Task<string> PriceFileAsync(string json)
    {
        var path = Path.Combine(Path.GetTempPath(), "tokenwise-prices-" + Guid.NewGuid().ToString("N") + ".json");
        await File.WriteAllTextAsync(path, json, Ct);
        return path;
    }

    [Fact]
    public async Task AnUpstreamThatOmitsUsageIsEstimatedWithTheTokenizer()
    {
        var result = await fixture.Client().CreateResponseAsync(new CreateResponseOptions
        {
            Model = "gpt-4o-mini",
            InputItems = { ResponseItem.CreateUserMessageItem("#fake:no-usage How are you?") },
        }, Ct);
        result.GetRawResponse().Headers.TryGetValue("x-tokenwise-request-id", out var requestId);
        var record = await fixture.Gateway.RecordAsync(requestId!);

        Assert.True(record.Estimated);
        Assert.True(record.Usage.InputTokens > 5);
        Assert.Equal(TokenEstimator.Count("gpt-4o-mini", result.Value.GetOutputText()), record.Usage.OutputTokens);
    }

    [Fact]
    public async Task AClientThatDisconnectsMidStreamLeavesAnEstimatedRecord()
    {
        await using var gateway = await TestGateway.StartAsync(fixture.Upstream);
        using var http = new HttpClient { BaseAddress = gateway.BaseUrl };
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/responses")
        {
            Content = new StringContent("""{"model":"gpt-4o-mini","stream":true,"input":"#fake:stall tell me a long story"}""", Encoding.UTF8, "application/json"),
        };
        using var hangUp = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, hangUp.Token);
        var requestId = response.Headers.GetValues("x-tokenwise-request-id").Single();
        var stream = await response.Content.ReadAsStreamAsync(hangUp.Token);

        // The fake stalls after two events (response.created, response.in_progress): read both, then leave.
        var received = new StringBuilder();
        await StreamingClient.ReadUntilAsync(stream, received, "response.in_progress", hangUp.Token);
        await StreamingClient.LeaveWhenQuietAsync(stream, received, hangUp);

        Assert.Equal(0, await fixture.Upstream.WaitForNoActiveStreamsAsync(TimeSpan.FromSeconds(10)));
        var record = await gateway.RecordAsync(requestId);
        Assert.Equal((499, "client_cancelled", true), (record.Status, record.ErrorCode, record.Estimated));
        var expectedInput = TokenEstimator.Count("gpt-4o-mini", "#fake:stall tell me a long story\n");
        Assert.Equal(expectedInput, record.Usage.InputTokens);
        Assert.Equal(record.Usage.InputTokens * 0.00000015m + record.Usage.OutputTokens * 0.0000006m, record.CostUsd);
    }
}
