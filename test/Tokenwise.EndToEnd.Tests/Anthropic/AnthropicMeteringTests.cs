using System.Net;
using System.Text;
using Tokenwise.Testing;

namespace Tokenwise.EndToEnd.Tests.Anthropic;

/// <summary>Anthropic usage records: exact costs with cache reads and writes, estimates and records for broken and cancelled streams.</summary>
public sealed class AnthropicMeteringTests(AnthropicGatewayFixture fixture) : IClassFixture<AnthropicGatewayFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // claude-haiku-4-5 in the catalog: input $1/M, cache read $0.10/M, cache write $1.25/M, output $5/M.
    // Anthropic's input_tokens exclude cache reads and writes; each kind is billed at its own rate.
    private static decimal HaikuCost(long input, long cacheRead, long cacheWrite, long output) =>
        input * 0.000001m + cacheRead * 0.0000001m + cacheWrite * 0.00000125m + output * 0.000005m;

    [Fact]
    public async Task NonStreamedMessageWithCacheReadsAndWritesCostsWhatTheCatalogSays()
    {
        var (response, body, record) = await fixture.PostAsync("v1/messages", """
            {"model":"claude-haiku-4-5","max_tokens":100,"messages":[{"role":"user","content":"#fake:cache Summarise the cached policy."}]}
            """, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var usage = System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("usage");
        var (input, output) = (usage.GetProperty("input_tokens").GetInt64(), usage.GetProperty("output_tokens").GetInt64());
        Assert.Equal(FakeAnthropicUpstream.CacheReadTokens, usage.GetProperty("cache_read_input_tokens").GetInt64());
        Assert.Equal(FakeAnthropicUpstream.CacheWriteTokens, usage.GetProperty("cache_creation_input_tokens").GetInt64());

        // The canonical input counts every prompt token, cached or not.
        Assert.Equal((input + 2048 + 512, 2048L, 512L, output), (record.Usage.InputTokens, record.Usage.CachedInputTokens, record.Usage.CacheWriteTokens, record.Usage.OutputTokens));
        Assert.Equal(HaikuCost(input, 2048, 512, output), record.CostUsd);
        Assert.Equal(record.CostUsd.ToString("0.############", System.Globalization.CultureInfo.InvariantCulture), response.Headers.GetValues("x-tokenwise-cost-usd").Single());
        Assert.False(record.Estimated);
    }

    [Fact]
    public async Task StreamedMessageWithCacheReadsAndWritesCostsWhatTheCatalogSays()
    {
        const string request = """
            {"model":"claude-haiku-4-5","max_tokens":100,"stream":true,"messages":[{"role":"user","content":"#fake:cache Stream about the cached policy."}]}
            """;
        var (_, body, record) = await fixture.PostAsync("v1/messages", request, Ct);

        var expected = FakeAnthropicUpstream.Answer(request.Trim()).Usage;
        Assert.EndsWith("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n", body, StringComparison.Ordinal);
        Assert.Equal((expected.InputTokens + 2048 + 512, 2048L, 512L, expected.OutputTokens),
            (record.Usage.InputTokens, record.Usage.CachedInputTokens, record.Usage.CacheWriteTokens, record.Usage.OutputTokens));
        Assert.Equal(HaikuCost(expected.InputTokens, 2048, 512, expected.OutputTokens), record.CostUsd);
        Assert.False(record.Estimated);
    }

    [Fact]
    public async Task NonStreamedOneHourCacheWritesAreBilledAtTheOneHourRateAndListedByTheAdminApi()
    {
        var (response, body, record) = await fixture.PostAsync("v1/messages", """
            {"model":"claude-haiku-4-5","max_tokens":100,"system":[{"type":"text","text":"The policy.","cache_control":{"type":"ephemeral","ttl":"1h"}}],
             "messages":[{"role":"user","content":"#fake:cache-1h Summarise the policy cached for an hour."}]}
            """, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var usage = System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("usage");
        var (input, output) = (usage.GetProperty("input_tokens").GetInt64(), usage.GetProperty("output_tokens").GetInt64());
        Assert.Equal((512L, 128L, 384L), (usage.GetProperty("cache_creation_input_tokens").GetInt64(),
            usage.GetProperty("cache_creation").GetProperty("ephemeral_5m_input_tokens").GetInt64(),
            usage.GetProperty("cache_creation").GetProperty("ephemeral_1h_input_tokens").GetInt64()));

        Assert.Equal((input + 2048 + 512, 2048L, 512L, 384L, output),
            (record.Usage.InputTokens, record.Usage.CachedInputTokens, record.Usage.CacheWriteTokens, record.Usage.CacheWrite1hTokens, record.Usage.OutputTokens));
        // claude-haiku-4-5: the cache's part is 2048 reads × $0.10/M + 128 five-minute writes × $1.25/M + 384 one-hour
        // writes × $2/M = 204.8 + 160 + 768 = 1132.8 µ$ (all 512 writes at the five-minute rate would be 844.8 µ$);
        // plain input $1/M, output $5/M.
        Assert.Equal(input * 0.000001m + 0.0011328m + output * 0.000005m, record.CostUsd);

        using var http = fixture.Http();
        using var log = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync("admin/requests?limit=1000", Ct));
        var entry = log.RootElement.EnumerateArray().Single(e => e.GetProperty("id").GetString() == record.Id);
        Assert.Equal((512L, 384L), (entry.GetProperty("cache_write_tokens").GetInt64(), entry.GetProperty("cache_write_1h_tokens").GetInt64()));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task WebSearchesAreBilledPerSearchOnTopOfTheTokens(bool stream)
    {
        var request = $$"""
            {"model":"claude-sonnet-4-5","max_tokens":100,"stream":{{(stream ? "true" : "false")}},
             "tools":[{"type":"web_search_20250305","name":"web_search","max_uses":5}],
             "messages":[{"role":"user","content":"#fake:web-search What happened in the news today?"}]}
            """;
        var (_, _, record) = await fixture.PostAsync("v1/messages", request, Ct);

        // claude-sonnet-4-5: $3/M input, $15/M output, and $10 per 1,000 searches: 3 searches are 3 cents.
        Assert.Equal((3L, false), (record.Usage.WebSearchRequests, record.Estimated));
        Assert.Equal(record.Usage.InputTokens * 0.000003m + record.Usage.OutputTokens * 0.000015m + 0.03m, record.CostUsd);
    }

    [Fact]
    public async Task StreamedOneHourCacheWritesFromMessageStartAreBilledAtTheOneHourRate()
    {
        const string request = """
            {"model":"claude-haiku-4-5","max_tokens":100,"stream":true,"messages":[{"role":"user","content":"#fake:cache-1h Stream about the policy cached for an hour."}]}
            """;
        var (_, body, record) = await fixture.PostAsync("v1/messages", request, Ct);

        // message_start carries the split; message_delta only the cumulative output, so the split must survive it.
        Assert.Contains("\"cache_creation\":{\"ephemeral_5m_input_tokens\":128,\"ephemeral_1h_input_tokens\":384}", body, StringComparison.Ordinal);
        var expected = FakeAnthropicUpstream.Answer(request.Trim()).Usage;
        Assert.Equal((expected.InputTokens + 2048 + 512, 2048L, 512L, 384L, expected.OutputTokens),
            (record.Usage.InputTokens, record.Usage.CachedInputTokens, record.Usage.CacheWriteTokens, record.Usage.CacheWrite1hTokens, record.Usage.OutputTokens));
        // As above: 1132.8 µ$ for the cache's part at claude-haiku-4-5's rates, $1/M plain input, $5/M output.
        Assert.Equal(expected.InputTokens * 0.000001m + 0.0011328m + expected.OutputTokens * 0.000005m, record.CostUsd);
        Assert.False(record.Estimated);
    }

    [Fact]
    public async Task AClientThatDisconnectsMidStreamLeavesAnEstimatedRecordAndNoUpstreamCall()
    {
        using var http = fixture.Http();
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/messages")
        {
            Content = new StringContent("""
                {"model":"claude-haiku-4-5","max_tokens":500,"stream":true,"messages":[{"role":"user","content":"#fake:stall tell me a long story"}]}
                """, Encoding.UTF8, "application/json"),
        };
        using var hangUp = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, hangUp.Token);
        var requestId = response.Headers.GetValues("x-tokenwise-request-id").Single();
        var stream = await response.Content.ReadAsStreamAsync(hangUp.Token);

        // Read until the first word has arrived, so the gateway has certainly metered it before the client goes away.
        var received = new StringBuilder();
        await StreamingClient.ReadUntilAsync(stream, received, "\"text_delta\"", hangUp.Token);
        await StreamingClient.LeaveWhenQuietAsync(stream, received, hangUp);

        Assert.Equal(0, await fixture.Upstream.WaitForNoActiveStreamsAsync(TimeSpan.FromSeconds(10)));
        var record = await fixture.Gateway.RecordAsync(requestId);
        Assert.Equal((499, "client_cancelled", true), (record.Status, record.ErrorCode, record.Estimated));
        // The prompt side came exactly from message_start; the words that reached the client are estimated.
        var reported = System.Text.Json.JsonDocument.Parse(received.ToString().Split("data: ")[1].Split('\n')[0])
            .RootElement.GetProperty("message").GetProperty("usage").GetProperty("input_tokens").GetInt64();
        Assert.Equal(reported, record.Usage.InputTokens);
        Assert.True(record.Usage.OutputTokens > 0, "the streamed words that reached the client are counted");
        Assert.Equal(HaikuCost(record.Usage.InputTokens, 0, 0, record.Usage.OutputTokens), record.CostUsd);
    }

    [Fact]
    public async Task AStalledStreamEndsAtTheIdleTimeoutWithAnAnthropicErrorEvent()
    {
        var (_, body, record) = await fixture.PostAsync("v1/messages", """
            {"model":"claude-haiku-4-5","max_tokens":50,"stream":true,"messages":[{"role":"user","content":"#fake:stall wait"}]}
            """, Ct);

        Assert.Contains("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"api_error\"", body, StringComparison.Ordinal);
        Assert.Equal(("upstream_idle_timeout", true), (record.ErrorCode, record.Estimated));
        Assert.Equal(0, await fixture.Upstream.WaitForNoActiveStreamsAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task ABrokenUpstreamStreamIsRecordedAndEstimated()
    {
        var (_, body, record) = await fixture.PostAsync("v1/messages", """
            {"model":"claude-haiku-4-5","max_tokens":50,"stream":true,"messages":[{"role":"user","content":"#fake:broken now"}]}
            """, Ct);

        Assert.Contains("event: error\ndata: ", body, StringComparison.Ordinal);
        Assert.Equal(("upstream_stream_broken", true), (record.ErrorCode, record.Estimated));
        Assert.True(record.Usage.OutputTokens > 0);
    }

    [Fact]
    public async Task AnUpstreamErrorEventIsRelayedAsSentAndRecorded()
    {
        var (_, body, record) = await fixture.PostAsync("v1/messages", """
            {"model":"claude-haiku-4-5","max_tokens":50,"stream":true,"messages":[{"role":"user","content":"#fake:stream-error go"}]}
            """, Ct);

        Assert.EndsWith("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n", body, StringComparison.Ordinal);
        Assert.Equal(("overloaded_error", true), (record.ErrorCode, record.Estimated));
    }
}
