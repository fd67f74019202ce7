using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using OpenAI.Chat;
using Tokenwise.Metering;
using Tokenwise.Testing;

namespace Tokenwise.EndToEnd.Tests;

/// <summary>Usage records: exact costs, estimates when usage is missing, and records for failed and cancelled requests.</summary>
public sealed class MeteringTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task NonStreamedRequestWithCachedAndReasoningTokensCostsWhatTheCatalogSays()
    {
        var result = await fixture.Chat("o3-mini").CompleteChatAsync([new UserChatMessage("#fake:cached-reasoning Explain prompt caching in two sentences, please.")], cancellationToken: Ct);
        var usage = result.Value.Usage;
        Assert.True(usage.InputTokenDetails.CachedTokenCount > 0);
        Assert.Equal(64, usage.OutputTokenDetails.ReasoningTokenCount);

        result.GetRawResponse().Headers.TryGetValue("x-tokenwise-request-id", out var requestId);
        var record = await fixture.Gateway.RecordAsync(requestId!);

        Assert.Equal((usage.InputTokenCount, usage.InputTokenDetails.CachedTokenCount, usage.OutputTokenCount, 64L),
            (record.Usage.InputTokens, record.Usage.CachedInputTokens, record.Usage.OutputTokens, record.Usage.ReasoningTokens));
        Assert.Equal(HandCosts.O3Mini(usage.InputTokenCount, usage.InputTokenDetails.CachedTokenCount, usage.OutputTokenCount), record.CostUsd);
        Assert.False(record.Estimated);
    }

    [Fact]
    public async Task StreamedRequestWithCachedAndReasoningTokensCostsWhatTheCatalogSays()
    {
        var (body, record) = await PostAsync("""
            {"model":"o3-mini","stream":true,"messages":[{"role":"user","content":"#fake:cached-reasoning Stream me an answer about caches."}]}
            """);

        // The client did not ask for usage: the gateway asked upstream for it and kept it from the client.
        Assert.DoesNotContain("\"choices\":[]", body, StringComparison.Ordinal);
        Assert.EndsWith("data: [DONE]\n\n", body, StringComparison.Ordinal);
        Assert.True(record.Usage.CachedInputTokens > 0);
        Assert.Equal(64, record.Usage.ReasoningTokens);
        Assert.Equal(HandCosts.O3Mini(record.Usage.InputTokens, record.Usage.CachedInputTokens, record.Usage.OutputTokens), record.CostUsd);
        Assert.False(record.Estimated);

        var forwarded = fixture.Upstream.Received.Last(r => r.Body.Contains("Stream me an answer", StringComparison.Ordinal));
        Assert.Contains("\"stream_options\":{\"include_usage\":true}", forwarded.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AClientThatAsksForStreamUsageGetsTheUsageChunk()
    {
        var (body, _) = await PostAsync("""
            {"model":"gpt-4o-mini","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"usage please"}]}
            """);
        Assert.Contains("\"choices\":[],\"usage\":{\"prompt_tokens\"", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AClientThatDisconnectsMidStreamLeavesAnEstimatedRecordAndNoUpstreamCall()
    {
        // The shared fixture's 1 s timeouts could end this stream first on a busy machine; here only the client may.
        await using var gateway = await TestGateway.StartAsync(fixture.Upstream);
        using var http = new HttpClient { BaseAddress = gateway.BaseUrl };
        var requestId = await StreamingClient.DisconnectAfterTheFirstWordAsync(http, "#fake:stall tell me a long story", Ct);

        Assert.Equal(0, await fixture.Upstream.WaitForNoActiveStreamsAsync(TimeSpan.FromSeconds(10)));
        var record = await gateway.RecordAsync(requestId);
        Assert.Equal((499, "client_cancelled", true), (record.Status, record.ErrorCode, record.Estimated));
        Assert.True(record.Usage.InputTokens > 0);
        Assert.True(record.Usage.OutputTokens > 0, "the streamed words that reached the client are counted");
        Assert.Equal(record.Usage.InputTokens * 0.00000015m + record.Usage.OutputTokens * 0.0000006m, record.CostUsd);
    }

    [Fact]
    public async Task ManyClientsGoingAwayAtRandomMomentsEachLeaveOneRecordOfTheirOwnAndNoUpstreamCall()
    {
        // 200 requests at once, streamed or not, some dribbling; half the clients hang up at a random moment. The moment
        // decides whether a record is complete, cancelled or never made (a request cut off before the gateway read it);
        // what must hold whatever the timing is below.
        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await TestGateway.StartAsync(upstream);
        using var http = new HttpClient { BaseAddress = gateway.BaseUrl };
        var random = new Random(7);
        var delays = Enumerable.Range(0, 200).Select(i => i % 2 == 0 ? random.Next(300, 1500) : -1).ToArray();
        var seen = new System.Collections.Concurrent.ConcurrentBag<(string Id, int Status)>();
        await Task.WhenAll(Enumerable.Range(0, 200).Select(async i =>
        {
            using var hangUp = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            if (delays[i] > 0)
            {
                hangUp.CancelAfter(delays[i]);
            }

            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions")
                {
                    Content = Json($$"""
                        {"model":"gpt-4o-mini","stream":{{(i % 4 != 0 ? "true" : "false")}},"messages":[{"role":"user","content":"{{(i % 3 == 0 ? "#fake:dribble " : "")}}crowd {{i}}"}]}
                        """),
                };
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, hangUp.Token);
                seen.Add((response.Headers.GetValues("x-tokenwise-request-id").Single(), (int)response.StatusCode));
                await response.Content.ReadAsStringAsync(hangUp.Token);
            }
            catch (OperationCanceledException) when (hangUp.IsCancellationRequested)
            {
                // This client hung up.
            }
        }));

        Assert.Equal(0, await upstream.WaitForNoActiveStreamsAsync(TimeSpan.FromSeconds(10)));
        foreach (var (id, status) in seen)
        {
            Assert.Equal(200, status);
            await gateway.RecordAsync(id); // waits for it: a hung-up request's handler may still be finishing
        }

        var records = await gateway.RecordsAsync(1000);
        Assert.Equal(records.Count, records.Select(r => r.Id).Distinct().Count());
        // A hang-up is the client's (499: estimated, or exact when the usage had already arrived) or came after the
        // answer (200); never an upstream failure.
        Assert.All(records, r => Assert.True(r.Status is 200 or 499 && r.ErrorCode is null or "client_cancelled", $"{r.Status} {r.ErrorCode}"));
    }

    [Fact]
    public async Task AnUpstreamThatOmitsUsageIsEstimatedWithTheTokenizer()
    {
        var result = await fixture.Chat("gpt-4o-mini").CompleteChatAsync([new UserChatMessage("#fake:no-usage How are you?")], cancellationToken: Ct);
        result.GetRawResponse().Headers.TryGetValue("x-tokenwise-request-id", out var requestId);
        var record = await fixture.Gateway.RecordAsync(requestId!);

        Assert.True(record.Estimated);
        Assert.True(record.Usage.InputTokens > 5);
        var expectedOutput = Metering.TokenEstimator.Count("gpt-4o-mini", result.Value.Content[0].Text);
        Assert.Equal(expectedOutput, record.Usage.OutputTokens);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AudioTokensCostTheAudioRates(bool stream)
    {
        var (_, record) = await PostAsync($$"""
            {"model":"gpt-4o-audio-preview","stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":"#fake:audio Say it out loud, please."}]}
            """);

        // gpt-4o-audio-preview per token: text in $2.50/M, audio in $40/M, text out $10/M, audio out $80/M.
        var usage = record.Usage;
        Assert.True(usage.AudioInputTokens > 0 && usage.AudioOutputTokens > 0, usage.ToString());
        Assert.Equal((usage.InputTokens - usage.AudioInputTokens) * 0.0000025m + usage.AudioInputTokens * 0.00004m
            + (usage.OutputTokens - usage.AudioOutputTokens) * 0.00001m + usage.AudioOutputTokens * 0.00008m, record.CostUsd);
    }

    [Theory]
    [InlineData("flex", false)]
    [InlineData("flex", true)]
    [InlineData("priority", false)]
    [InlineData("priority", true)]
    public async Task ACallServedAtFlexOrPriorityCostsThatTiersPrices(string tier, bool stream)
    {
        var (_, record) = await PostAsync($$"""
            {"model":"o3","service_tier":"{{tier}}","stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":"#fake:cached-reasoning Which tier served me?"}]}
            """);

        // o3 per token: flex $1/M input, $0.25/M cached, $4/M output; priority $3.50/M, $0.875/M, $14/M (standard: $2, $0.50, $8).
        var (input, cached, output) = tier == "flex" ? (0.000001m, 0.00000025m, 0.000004m) : (0.0000035m, 0.000000875m, 0.000014m);
        var usage = record.Usage;
        Assert.Equal((tier, false), (usage.ServiceTier, record.Estimated));
        Assert.True(usage.CachedInputTokens > 0);
        Assert.Equal((usage.InputTokens - usage.CachedInputTokens) * input + usage.CachedInputTokens * cached + usage.OutputTokens * output, record.CostUsd);
    }

    [Fact]
    public async Task AnOpenAISearchModelIsBilledTheSearchItRunsAtTheSizeTheRequestAsksFor()
    {
        // The official SDK's web_search_options; OpenAI's answer does not report the search, which every call of a search model runs.
#pragma warning disable OPENAI001 // the SDK marks its web search options as evaluation-only; they are what clients use
        var options = new ChatCompletionOptions { WebSearchOptions = new ChatWebSearchOptions { SearchContextSize = ChatWebSearchContextSize.High } };
#pragma warning restore OPENAI001
        var result = await fixture.Chat("gpt-4o-search-preview").CompleteChatAsync([new UserChatMessage("What happened in Oslo today?")], options, Ct);
        result.GetRawResponse().Headers.TryGetValue("x-tokenwise-request-id", out var requestId);
        result.GetRawResponse().Headers.TryGetValue("x-tokenwise-cost-usd", out var costHeader);
        var record = await fixture.Gateway.RecordAsync(requestId!);

        // gpt-4o-search-preview: input $2.50/M, output $10/M, and a search at high context $50 per 1,000.
        var usage = result.Value.Usage;
        Assert.Equal((1L, "high"), (record.Usage.WebSearchRequests, record.Usage.SearchContextSize));
        Assert.Equal(usage.InputTokenCount * 0.0000025m + usage.OutputTokenCount * 0.00001m + 0.05m, record.CostUsd);
        Assert.Equal(record.CostUsd, decimal.Parse(costHeader!, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("gpt-4o-mini-search-preview-2025-03-11", "", 1, "0.0275")] // a dated snapshot, at the default size, medium: $27.50 per 1,000
    [InlineData("gpt-4o-mini-search-preview", ""","web_search_options":{"search_context_size":"low"}""", 1, "0.025")]
    [InlineData("gpt-4o-mini", "", 0, "0")]                                  // a model that does not search
    public async Task AStreamedCallOfASearchModelIsBilledItsSearchToo(string model, string searchOptions, long searches, string searchCost)
    {
        var (body, record) = await PostAsync($$"""
            {"model":"{{model}}","stream":true{{searchOptions}},"messages":[{"role":"user","content":"Any news from Bergen?"}]}
            """);

        Assert.EndsWith("data: [DONE]\n\n", body, StringComparison.Ordinal);
        var usage = record.Usage;
        Assert.Equal((searches, false), (usage.WebSearchRequests, record.Estimated));
        // gpt-4o-mini and its search models: input $0.15/M, output $0.60/M.
        Assert.Equal(usage.InputTokens * 0.00000015m + usage.OutputTokens * 0.0000006m + decimal.Parse(searchCost, System.Globalization.CultureInfo.InvariantCulture),
            record.CostUsd);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task NegativeCountsFromUpstreamAreEstimatedNotBilled(bool stream)
    {
        // Billed as reported, -N tokens would be a negative cost: a credit against the team's spend and budget.
        var (_, record) = await PostAsync($$"""
            {"model":"gpt-4o-mini","stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":"#fake:negative-usage How are you today?"}]}
            """);

        Assert.Equal((200, true), (record.Status, record.Estimated));
        Assert.True(record.Usage.InputTokens > 5);
        Assert.True(record.Usage.OutputTokens > 0);
        Assert.Equal(record.Usage.InputTokens * 0.00000015m + record.Usage.OutputTokens * 0.0000006m, record.CostUsd);
    }

    [Theory]
    [InlineData("v1/chat/completions", false)]
    [InlineData("v1/chat/completions", true)]
    [InlineData("v1/messages", false)] // translated from OpenAI's answer: every string of it is read
    [InlineData("v1/messages", true)]
    public async Task AnAnswerWhoseTextIsNotUnicodeReachesTheClientMendedAndIsBilled(string path, bool stream)
    {
        // Half a surrogate pair and a Latin-1 byte made every reader of the answer throw: a 500, and a record of $0 for a paid call.
        using var http = fixture.Http();
        http.DefaultRequestHeaders.Add("anthropic-version", "2023-06-01");
        using var response = await http.PostAsync(path, Json($$"""
            {"model":"gpt-4o-mini","max_tokens":50,"stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":"#fake:broken-text Say it"}]}
            """), Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        var record = await fixture.Gateway.RecordAsync(response.Headers.GetValues("x-tokenwise-request-id").Single());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = stream ? StreamedText(body) : (path.EndsWith("messages", StringComparison.Ordinal)
            ? JsonNode.Parse(body)!["content"]![0]!["text"] : JsonNode.Parse(body)!["choices"]![0]!["message"]!["content"])!.GetValue<string>();
        Assert.Equal("Cut emoji \uFFFD and caf\uFFFD.", text);
        Assert.Equal((200, false), (record.Status, record.Estimated));
        Assert.True(record.Usage.OutputTokens > 0);
        Assert.Equal(record.Usage.InputTokens * 0.00000015m + record.Usage.OutputTokens * 0.0000006m, record.CostUsd);
    }

    [Fact]
    public async Task AnErrorAnsweredWithStatus200IsRecordedAsAnErrorNeverCachedAndBilledOnlyForTheUsageItReports()
    {
        // Cached, every repeat of the question was served the error; metered, it was billed at an estimate.
        const string json = """{"model":"gpt-4o-mini","messages":[{"role":"user","content":"#fake:error-200 Are you there?"}]}""";
        using var http = fixture.Http();
        for (var attempt = 0; attempt < 2; attempt++)
        {
            using var response = await http.PostAsync("v1/chat/completions", Json(json), Ct);
            var error = await response.Content.ReadFromJsonAsync<ErrorBody>(Ct);
            var record = await fixture.Gateway.RecordAsync(response.Headers.GetValues("x-tokenwise-request-id").Single());

            Assert.Equal((HttpStatusCode.OK, "overloaded"), (response.StatusCode, error!.Error.Code)); // relayed as the provider sent it
            Assert.Equal(("miss", "overloaded", 0m, false), (response.Headers.GetValues("x-tokenwise-cache").Single(), record.ErrorCode, record.CostUsd, record.Estimated));
        }

        // Translated for an Anthropic client, it needs an error status: 502, in Anthropic's error body.
        using var anthropic = await http.PostAsync("v1/messages", Json("""{"model":"gpt-4o-mini","max_tokens":20,"messages":[{"role":"user","content":"#fake:error-200 Hello?"}]}"""), Ct);
        using var body = System.Text.Json.JsonDocument.Parse(await anthropic.Content.ReadAsStringAsync(Ct));
        Assert.Equal(HttpStatusCode.BadGateway, anthropic.StatusCode);
        Assert.Equal("The server is overloaded.", body.RootElement.GetProperty("error").GetProperty("message").GetString());

        // A failed Responses API call that reports what it used is billed for that usage, exactly.
        using var failed = await http.PostAsync("v1/responses", Json("""{"model":"gpt-4o-mini","input":"#fake:error-200 Think hard"}"""), Ct);
        var failedRecord = await fixture.Gateway.RecordAsync(failed.Headers.GetValues("x-tokenwise-request-id").Single());
        Assert.Equal(("server_error", 12L, 3L, false), (failedRecord.ErrorCode, failedRecord.Usage.InputTokens, failedRecord.Usage.OutputTokens, failedRecord.Estimated));
        Assert.Equal(12 * 0.00000015m + 3 * 0.0000006m, failedRecord.CostUsd);
    }

    /// <summary>The text of a streamed answer in either dialect: its content deltas or text deltas, joined.</summary>
    private static string StreamedText(string sse) => string.Concat(sse.Split('\n')
        .Where(line => line.StartsWith("data: {", StringComparison.Ordinal))
        .Select(line => JsonNode.Parse(line["data: ".Length..])!)
        .Select(e => (e["choices"]?.AsArray().FirstOrDefault()?["delta"]?["content"] ?? e["delta"]?["text"])?.GetValue<string>()));

    [Theory]
    [InlineData("gpt-4o-mini", 0L)]
    [InlineData("gpt-4o-mini-search-preview", 1L)] // the search ran before the answer the gateway could not hold
    public async Task AnAnswerLargerThanTheGatewayHoldsIsA502AndStillRecorded(string model, long searches)
    {
        using var http = fixture.Http();
        using var response = await http.PostAsync("v1/chat/completions",
            Json($$"""{"model":"{{model}}","messages":[{"role":"user","content":"#fake:huge Tell me everything."}]}"""), Ct);
        var error = await response.Content.ReadFromJsonAsync<ErrorBody>(Ct);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("upstream_answer_too_large", error!.Error.Code);
        var record = await fixture.Gateway.RecordAsync(response.Headers.GetValues("x-tokenwise-request-id").Single());
        Assert.Equal((502, "upstream_answer_too_large", true), (record.Status, record.ErrorCode, record.Estimated));
        Assert.True(record.Usage.InputTokens > 5, "the prompt the provider read is still counted");
        Assert.Equal(searches, record.Usage.WebSearchRequests);
    }

    [Fact]
    public async Task AStalledStreamEndsAtTheIdleTimeoutWithAnErrorEvent()
    {
        var (body, record) = await PostAsync("""
            {"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"#fake:stall wait"}]}
            """);

        Assert.Contains("upstream_timeout", body, StringComparison.Ordinal);
        Assert.Equal(("upstream_idle_timeout", true), (record.ErrorCode, record.Estimated));
        Assert.Equal(0, await fixture.Upstream.WaitForNoActiveStreamsAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task ABrokenUpstreamStreamIsRecorded()
    {
        var (body, record) = await PostAsync("""
            {"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"#fake:broken now"}]}
            """);

        Assert.Contains("upstream_unavailable", body, StringComparison.Ordinal);
        Assert.Equal(("upstream_stream_broken", true), (record.ErrorCode, record.Estimated));
    }

    [Fact]
    public async Task ASlowUpstreamHitsTheFirstByteTimeout()
    {
        using var http = fixture.Http();
        using var response = await http.PostAsync("v1/chat/completions", Json("""
            {"model":"gpt-4o-mini","messages":[{"role":"user","content":"#fake:slow-5000"}]}
            """), Ct);
        var error = await response.Content.ReadFromJsonAsync<ErrorBody>(Ct);

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("upstream_timeout", error!.Error.Code);
        var record = await fixture.Gateway.RecordAsync(response.Headers.GetValues("x-tokenwise-request-id").Single());
        Assert.Equal(504, record.Status);
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>Posts a raw chat request to the gateway; returns the whole answer and the request's usage record.</summary>
    private async Task<(string Body, UsageRecord Record)> PostAsync(string json)
    {
        using var http = fixture.Http();
        using var response = await http.PostAsync("v1/chat/completions", Json(json), Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        return (body, await fixture.Gateway.RecordAsync(response.Headers.GetValues("x-tokenwise-request-id").Single()));
    }
}
