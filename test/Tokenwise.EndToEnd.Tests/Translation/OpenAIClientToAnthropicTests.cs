using System.ClientModel;
using System.Text;
using System.Text.Json;
using OpenAI.Chat;
using Tokenwise.Testing;

namespace Tokenwise.EndToEnd.Tests.Translation;

/// <summary>The official OpenAI .NET SDK, unchanged but for the base URL, served by an Anthropic provider through the translation.</summary>
public sealed class OpenAIClientToAnthropicTests(TranslationFixture fixture) : IClassFixture<TranslationFixture>
{
    private const string Model = "anthropic/claude-haiku-4-5";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>claude-haiku-4-5 in the catalog: $1/M input, $0.10/M cache read, $1.25/M cache write, $5/M output.</summary>
    private static decimal HaikuCost(long uncachedInput, long cacheRead, long cacheWrite, long output) =>
        uncachedInput * 0.000001m + cacheRead * 0.0000001m + cacheWrite * 0.00000125m + output * 0.000005m;

    [Fact]
    public async Task NonStreamingAnswerIsTranslatedAndCacheWritesArePricedAtTheirOwnRate()
    {
        var result = await fixture.Chat(Model).CompleteChatAsync(
            [new SystemChatMessage("Be brief."), new UserChatMessage("#fake:cache Say hello through the translation")], cancellationToken: Ct);

        Assert.StartsWith("Hello from the fake Anthropic upstream. You said: #fake:cache Say hello", result.Value.Content[0].Text, StringComparison.Ordinal);
        Assert.Equal(ChatFinishReason.Stop, result.Value.FinishReason);
        var sent = fixture.Anthropic.Received.Last(r => r.Body.Contains("Say hello through the translation", StringComparison.Ordinal));
        Assert.Equal("/v1/messages", sent.Path);
        Assert.Equal(FakeAnthropicUpstream.ApiKey, sent.Headers["x-api-key"]);
        Assert.False(sent.Headers.ContainsKey("Authorization")); // the client's own key never leaves the gateway
        Assert.Contains("\"system\":[{\"type\":\"text\",\"text\":\"Be brief.\"}]", sent.Body, StringComparison.Ordinal);
        Assert.Contains("\"max_tokens\":64000", sent.Body, StringComparison.Ordinal); // the catalog's max_output_tokens

        var usage = result.Value.Usage;
        Assert.Equal(FakeAnthropicUpstream.CacheReadTokens, usage.InputTokenDetails.CachedTokenCount);
        Assert.True(result.GetRawResponse().Headers.TryGetValue("x-tokenwise-request-id", out var requestId));
        var record = await fixture.Gateway.RecordAsync(requestId!);
        Assert.Equal(("openai", "chat.completions", "anthropic", "claude-haiku-4-5", 200, false),
            (record.Dialect, record.Endpoint, record.Provider, record.UpstreamModel, record.Status, record.Estimated));
        // prompt_tokens = Anthropic's input + cache reads + cache writes; the writes reach the log though OpenAI's usage has no field for them.
        var uncached = usage.InputTokenCount - FakeAnthropicUpstream.CacheReadTokens - FakeAnthropicUpstream.CacheWriteTokens;
        Assert.Equal((usage.InputTokenCount, (long)FakeAnthropicUpstream.CacheReadTokens, (long)FakeAnthropicUpstream.CacheWriteTokens, (long)usage.OutputTokenCount),
            (record.Usage.InputTokens, record.Usage.CachedInputTokens, record.Usage.CacheWriteTokens, record.Usage.OutputTokens));
        Assert.Equal(HaikuCost(uncached, FakeAnthropicUpstream.CacheReadTokens, FakeAnthropicUpstream.CacheWriteTokens, usage.OutputTokenCount), record.CostUsd);
    }

    [Fact]
    public async Task WebSearchOptionsBecomeOneClaudeWebSearchWhoseCitationsAndCostReachTheClient()
    {
        // The official SDK's web_search_options, as a client asks OpenAI's search models to search.
#pragma warning disable OPENAI001 // the SDK marks its web search options and annotations as evaluation-only; they are what clients use
        var options = new ChatCompletionOptions { WebSearchOptions = new ChatWebSearchOptions { SearchContextSize = ChatWebSearchContextSize.High } };
        var result = await fixture.Chat("anthropic/claude-sonnet-4-5").CompleteChatAsync([new UserChatMessage("What is new in Bergen today?")], options, Ct);

        var sent = fixture.Anthropic.Received.Last(r => r.Body.Contains("new in Bergen", StringComparison.Ordinal));
        Assert.Contains("\"tools\":[{\"type\":\"web_search_20250305\",\"name\":\"web_search\",\"max_uses\":1}]", sent.Body, StringComparison.Ordinal);
        // Claude's citations of its text block reach the client as OpenAI's url_citation annotations over that text.
        var text = result.Value.Content[0].Text;
        Assert.Equal(FakeAnthropicUpstream.CitedUrls.Select(url => (0, text.Length, url)),
            result.Value.Annotations.Select(a => (a.StartIndex, a.EndIndex, a.WebResourceUri.ToString())));
#pragma warning restore OPENAI001

        result.GetRawResponse().Headers.TryGetValue("x-tokenwise-request-id", out var requestId);
        result.GetRawResponse().Headers.TryGetValue("x-tokenwise-cost-usd", out var costHeader);
        var record = await fixture.Gateway.RecordAsync(requestId!);
        // claude-sonnet-4-5: $3/M input, $15/M output, and its one search $10 per 1,000 at any size.
        Assert.Equal((1L, false, false), (record.Usage.WebSearchRequests, record.Estimated, record.Unpriced));
        Assert.Equal(record.Usage.InputTokens * 0.000003m + record.Usage.OutputTokens * 0.000015m + 0.01m, record.CostUsd);
        Assert.Equal(record.CostUsd, decimal.Parse(costHeader!, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task AStreamedClaudeWebSearchCarriesItsCitationsAndIsBilledItsSearch()
    {
        using var http = new HttpClient { BaseAddress = fixture.Gateway.BaseUrl };
        using var response = await http.PostAsync("v1/chat/completions", new StringContent("""
            {"model":"anthropic/claude-sonnet-4-5","stream":true,"web_search_options":{},"messages":[{"role":"user","content":"Stream the weather in Tromsø"}]}
            """, Encoding.UTF8, "application/json"), Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        var record = await fixture.Gateway.RecordAsync(response.Headers.GetValues("x-tokenwise-request-id").Single());

        Assert.EndsWith("data: [DONE]\n\n", body, StringComparison.Ordinal);
        Assert.Contains("\"delta\":{\"annotations\":[{\"type\":\"url_citation\"", body, StringComparison.Ordinal);
        Assert.DoesNotContain("tool_calls", body, StringComparison.Ordinal); // the search is Claude's own tool, not the client's
        Assert.Equal((1L, false), (record.Usage.WebSearchRequests, record.Estimated));
        Assert.Equal(record.Usage.InputTokens * 0.000003m + record.Usage.OutputTokens * 0.000015m + 0.01m, record.CostUsd);
    }

    [Fact]
    public async Task AStreamWithOneHourCacheWritesIsMeteredAtTheOneHourRateThoughTheClientsUsageCannotSayIt()
    {
        ChatTokenUsage? usage = null;
        await foreach (var update in fixture.Chat(Model).CompleteChatStreamingAsync(
            [new UserChatMessage("#fake:cache-1h Stream one-hour cache writes through the translation")], cancellationToken: Ct))
        {
            usage ??= update.Usage;
        }

        Assert.NotNull(usage);
        Assert.Equal(2048, usage.InputTokenDetails.CachedTokenCount); // OpenAI's usage has cache reads, not writes of either lifetime
        var record = Assert.Single(await fixture.Gateway.RecordsAsync(r => r.Dialect == "openai" && r.Usage.CacheWrite1hTokens > 0));
        Assert.Equal((true, false), (record.Stream, record.Estimated));
        Assert.Equal((usage.InputTokenCount, 2048L, 512L, 384L, (long)usage.OutputTokenCount),
            (record.Usage.InputTokens, record.Usage.CachedInputTokens, record.Usage.CacheWriteTokens, record.Usage.CacheWrite1hTokens, record.Usage.OutputTokens));
        // prompt_tokens include the 2048 reads and 512 writes. The cache's part at claude-haiku-4-5's rates:
        // 2048 × $0.10/M + 128 five-minute writes × $1.25/M + 384 one-hour writes × $2/M = 1132.8 µ$.
        Assert.Equal((usage.InputTokenCount - 2048 - 512) * 0.000001m + 0.0011328m + usage.OutputTokenCount * 0.000005m, record.CostUsd);
    }

    [Fact]
    public async Task StreamingAnswerArrivesInPiecesAndIsMeteredWithCacheWrites()
    {
        var text = new StringBuilder();
        var updates = 0;
        ChatTokenUsage? usage = null;
        ChatFinishReason? finish = null;
        var streaming = fixture.Chat(Model).CompleteChatStreamingAsync(
            [new UserChatMessage("#fake:cache #fake:thinking Stream a few words through the translation")], cancellationToken: Ct);
        await foreach (var update in streaming)
        {
            updates++;
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            usage ??= update.Usage;
            finish ??= update.FinishReason;
        }

        Assert.StartsWith("Hello from the fake Anthropic upstream. You said:", text.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("The user wants a short answer", text.ToString(), StringComparison.Ordinal); // thinking is not content
        Assert.True(updates > 3);
        Assert.Equal(ChatFinishReason.Stop, finish);
        Assert.NotNull(usage); // the SDK asks for stream usage, so it receives the usage chunk
        var record = Assert.Single(await fixture.Gateway.RecordsAsync(r => r.Stream && r.Dialect == "openai" && r.Usage.CacheWriteTokens > 0 && r.Usage.OutputTokens == usage.OutputTokenCount));
        Assert.False(record.Estimated);
        Assert.Equal((usage.InputTokenCount, (long)FakeAnthropicUpstream.CacheWriteTokens), (record.Usage.InputTokens, record.Usage.CacheWriteTokens));
        var uncached = usage.InputTokenCount - FakeAnthropicUpstream.CacheReadTokens - FakeAnthropicUpstream.CacheWriteTokens;
        Assert.Equal(HaikuCost(uncached, FakeAnthropicUpstream.CacheReadTokens, FakeAnthropicUpstream.CacheWriteTokens, usage.OutputTokenCount), record.CostUsd);
    }

    [Fact]
    public async Task AToolCallRoundTripKeepsIdsStreamingAndNot()
    {
        var weather = ChatTool.CreateFunctionTool("get_weather", "The weather in a city.",
            BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}"""));
        var options = new ChatCompletionOptions { Tools = { weather }, ToolChoice = ChatToolChoice.CreateRequiredChoice() };
        List<ChatMessage> messages = [new UserChatMessage("#fake:tool What is the weather in Paris?")];
        var client = fixture.Chat(Model);

        var first = await client.CompleteChatAsync(messages, options, Ct);
        Assert.Equal(ChatFinishReason.ToolCalls, first.Value.FinishReason);
        var call = Assert.Single(first.Value.ToolCalls);
        Assert.StartsWith("toolu_fake_", call.Id, StringComparison.Ordinal);
        Assert.Equal("get_weather", call.FunctionName);
        Assert.Equal("Paris", JsonDocument.Parse(call.FunctionArguments).RootElement.GetProperty("city").GetString());
        var sent = fixture.Anthropic.Received.Last(r => r.Body.Contains("What is the weather in Paris?", StringComparison.Ordinal));
        Assert.Contains("\"tool_choice\":{\"type\":\"any\"}", sent.Body, StringComparison.Ordinal);

        // The same call streamed: id and name first, then the arguments in fragments.
        var arguments = new StringBuilder();
        string? streamedId = null;
        await foreach (var update in client.CompleteChatStreamingAsync(messages, options, Ct))
        {
            foreach (var part in update.ToolCallUpdates)
            {
                streamedId ??= part.ToolCallId;
                arguments.Append(part.FunctionArgumentsUpdate?.ToString());
            }
        }

        Assert.StartsWith("toolu_fake_", streamedId, StringComparison.Ordinal); // the fake derives ids from the request, which now streams
        Assert.Equal("Paris", JsonDocument.Parse(arguments.ToString()).RootElement.GetProperty("city").GetString());

        messages.Add(new AssistantChatMessage(first.Value));
        messages.Add(new ToolChatMessage(call.Id, "18 degrees and sunny"));
        var answer = await client.CompleteChatAsync(messages, new ChatCompletionOptions { Tools = { weather } }, Ct);

        Assert.Contains("18 degrees and sunny", answer.Value.Content[0].Text, StringComparison.Ordinal);
        var followUp = fixture.Anthropic.Received.Last(r => r.Body.Contains("18 degrees and sunny", StringComparison.Ordinal));
        Assert.Contains($"{{\"type\":\"tool_result\",\"tool_use_id\":\"{call.Id}\",\"content\":\"18 degrees and sunny\"}}", followUp.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUpstreamRateLimitArrivesTypedWithRetryAfter()
    {
        var e = await Assert.ThrowsAsync<ClientResultException>(() => fixture.Chat(Model).CompleteChatAsync([new UserChatMessage("#fake:err-429 hi")], cancellationToken: Ct));

        Assert.Equal(429, e.Status);
        var response = e.GetRawResponse()!;
        Assert.True(response.Headers.TryGetValue("Retry-After", out var retryAfter));
        Assert.Equal("7", retryAfter);
        var error = JsonDocument.Parse(response.Content.ToString()).RootElement.GetProperty("error");
        Assert.Equal(("requests", "rate_limit_exceeded"), (error.GetProperty("type").GetString(), error.GetProperty("code").GetString()));
    }

    [Fact]
    public async Task AFeatureAnthropicCannotExpressIsA400NamingIt()
    {
        var e = await Assert.ThrowsAsync<ClientResultException>(() => fixture.Chat(Model).CompleteChatAsync(
            [new UserChatMessage("hi")], new ChatCompletionOptions { ResponseFormat = ChatResponseFormat.CreateJsonSchemaFormat("answer", BinaryData.FromString("""{"type":"object"}""")) }, Ct));

        Assert.Equal(400, e.Status);
        var error = JsonDocument.Parse(e.GetRawResponse()!.Content.ToString()).RootElement.GetProperty("error");
        Assert.Equal(("invalid_request_error", "response_format", "unsupported_parameter"),
            (error.GetProperty("type").GetString(), error.GetProperty("param").GetString(), error.GetProperty("code").GetString()));
        Assert.Contains("json_schema", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}
