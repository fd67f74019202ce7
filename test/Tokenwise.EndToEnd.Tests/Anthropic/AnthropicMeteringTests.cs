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
