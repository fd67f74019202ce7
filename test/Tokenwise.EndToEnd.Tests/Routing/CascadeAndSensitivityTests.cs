using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Text;
using OpenAI;
using OpenAI.Chat;
using Tokenwise.Metering;
using Tokenwise.Testing;

namespace Tokenwise.EndToEnd.Tests.Routing;

/// <summary>Cascades (both calls logged and paid), sensitivity routing (local only, or redacted and restored) and reasoning caps, end to end.</summary>
public sealed class CascadeAndSensitivityTests : IAsyncLifetime
{
    private const string Cascade = """
        routes:
          - name: cheap-first
            strategy: cascade
            deployments:
              - model: openai/gpt-4o-mini
              - model: openai/gpt-4o
        """;

    private FakeUpstream _openai = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _openai = await FakeUpstream.StartAsync();

    public async ValueTask DisposeAsync() => await _openai.DisposeAsync();

    private static ChatClient Chat(TestGateway gateway, string model) => new(model, new ApiKeyCredential("sk-client"), new OpenAIClientOptions
    {
        Endpoint = gateway.OpenAIBaseUrl,
        RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
    });

    private IEnumerable<ReceivedRequest> Received(string prompt) => _openai.Received.Where(r => r.Body.Contains(prompt, StringComparison.Ordinal));

    private async Task<(UsageRecord Main, UsageRecord[] Extra)> RecordsAsync(TestGateway gateway, string requestId)
    {
        var main = await gateway.RecordAsync(requestId);
        return (main, (await gateway.RecordsAsync()).Where(r => r.Id.StartsWith(requestId + ".", StringComparison.Ordinal)).ToArray());
    }

    [Fact]
    public async Task ACheapAnswerThatPassesIsServedWithoutTheStrongModel()
    {
        await using var gateway = await TestGateway.StartAsync(_openai, configYaml: Cascade);

        var answer = await Chat(gateway, "cheap-first").CompleteChatAsync([new UserChatMessage("an easy question for the cascade")], cancellationToken: Ct);

        Assert.Equal("gpt-4o-mini", answer.Value.Model);
        Assert.True(answer.GetRawResponse().Headers.TryGetValue("x-tokenwise-request-id", out var id));
        var (main, extra) = await RecordsAsync(gateway, id!);
        Assert.Equal(("cascade", 1, "gpt-4o-mini"), (main.RoutePolicy, main.RouteAttempts, main.UpstreamModel));
        Assert.Empty(extra);
        Assert.Single(Received("an easy question for the cascade"));
    }

    [Theory]
    [InlineData("#fake:refuse@gpt-4o-mini please refuse cheaply", null, "refusal")]
    [InlineData("answer in JSON for the cascade", "json_object", "json")]
    public async Task AFailedCheckEscalatesAndBothCallsAreLoggedAndPaid(string prompt, string? format, string check)
    {
        await using var gateway = await TestGateway.StartAsync(_openai, configYaml: Cascade);
        var options = new ChatCompletionOptions();
        if (format is not null)
        {
            options.ResponseFormat = ChatResponseFormat.CreateJsonObjectFormat();
        }

        var answer = await Chat(gateway, "cheap-first").CompleteChatAsync([new UserChatMessage(prompt)], options, Ct);

        Assert.Equal("gpt-4o", answer.Value.Model);
        Assert.True(answer.GetRawResponse().Headers.TryGetValue("x-tokenwise-route", out var route));
        Assert.Contains($"openai/gpt-4o-mini failed the {check} check, escalated", route, StringComparison.Ordinal);
        Assert.True(answer.GetRawResponse().Headers.TryGetValue("x-tokenwise-request-id", out var id));
        var (main, extra) = await RecordsAsync(gateway, id!);
        Assert.Equal(("gpt-4o", 2, 200), (main.UpstreamModel, main.RouteAttempts, main.Status));
        var cheap = Assert.Single(extra);
        Assert.Equal(("gpt-4o-mini", "cascade_escalated", "cheap-first", false), (cheap.UpstreamModel, cheap.ErrorCode, cheap.Route, cheap.Estimated));
        // Both are paid at their own prices: gpt-4o-mini $0.15/$0.60 per M, gpt-4o $2.50/$10.
        Assert.Equal(cheap.Usage.InputTokens * 0.00000015m + cheap.Usage.OutputTokens * 0.0000006m, cheap.CostUsd);
        Assert.Equal(main.Usage.InputTokens * 0.0000025m + main.Usage.OutputTokens * 0.00001m, main.CostUsd);
        Assert.True(cheap.CostUsd > 0);
        Assert.Equal(2, Received(prompt).Count());

        // The routing report: one request, rerouted, one escalated call paid for; against the baseline (gpt-4o, the last step) it cost the cheap call more.
        var report = await TokenwiseCli.RunAsync("report", "routes", "--format", "json", "--db", Path.Combine(gateway.Directory, "tokenwise.db"));
        Assert.True(report.Exit == 0, report.Err);
        using var rows = System.Text.Json.JsonDocument.Parse(report.Out);
        var row = Assert.Single(rows.RootElement.EnumerateArray());
        Assert.Equal(("cheap-first", 1, 1, 1), (row.GetProperty("route").GetString(), row.GetProperty("requests").GetInt32(), row.GetProperty("rerouted").GetInt32(), row.GetProperty("escalated_calls").GetInt32()));
        Assert.Equal((main.CostUsd + cheap.CostUsd, main.CostUsd, -cheap.CostUsd),
            (row.GetProperty("cost_usd").GetDecimal(), row.GetProperty("baseline_usd").GetDecimal(), row.GetProperty("saved_usd").GetDecimal()));
    }

    [Fact]
    public async Task AnEscalatedStepOnASearchModelIsPaidTheSearchItRan()
    {
        // A search model searches before every answer, the escalated one too, and OpenAI bills it.
        await using var gateway = await TestGateway.StartAsync(_openai, configYaml: """
            routes:
              - name: search-first
                strategy: cascade
                deployments:
                  - model: openai/gpt-4o-mini-search-preview
                  - model: openai/gpt-4o
            """);

        var answer = await Chat(gateway, "search-first").CompleteChatAsync(
            [new UserChatMessage("#fake:refuse@gpt-4o-mini-search-preview what is new in Oslo?")], cancellationToken: Ct);

        Assert.Equal("gpt-4o", answer.Value.Model);
        Assert.True(answer.GetRawResponse().Headers.TryGetValue("x-tokenwise-request-id", out var id));
        var (main, extra) = await RecordsAsync(gateway, id!);
        var searched = Assert.Single(extra);
        Assert.Equal(("gpt-4o-mini-search-preview", 1L, false), (searched.UpstreamModel, searched.Usage.WebSearchRequests, searched.Unpriced));
        // gpt-4o-mini-search-preview: $0.15/$0.60 per M, and its search at the default size, medium: $27.50 per 1,000.
        Assert.Equal(searched.Usage.InputTokens * 0.00000015m + searched.Usage.OutputTokens * 0.0000006m + 0.0275m, searched.CostUsd);
        Assert.Equal(0L, main.Usage.WebSearchRequests);
    }

    [Fact]
    public async Task AStreamedCascadeChecksTheWholeCheapStreamBeforeTheClientSeesAByte()
    {
        await using var gateway = await TestGateway.StartAsync(_openai, configYaml: Cascade);
        using var http = new HttpClient { BaseAddress = gateway.BaseUrl };

        using var response = await http.PostAsync("/v1/chat/completions", new StringContent(
            """{"model":"cheap-first","stream":true,"max_tokens":4,"messages":[{"role":"user","content":"a streamed answer cut short"}]}""", Encoding.UTF8, "application/json"), Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"model\":\"gpt-4o\"", body, StringComparison.Ordinal);
        Assert.DoesNotContain("gpt-4o-mini", body, StringComparison.Ordinal); // the cut-off cheap stream never reached the client
        var (main, extra) = await RecordsAsync(gateway, response.Headers.GetValues("x-tokenwise-request-id").Single());
        Assert.Equal(("gpt-4o", 2), (main.UpstreamModel, main.RouteAttempts));
        Assert.Equal(("gpt-4o-mini", "cascade_escalated"), (Assert.Single(extra).UpstreamModel, extra[0].ErrorCode));
        Assert.Contains("failed the length check", main.RouteReason, StringComparison.Ordinal);
    }

    private Task<TestGateway> SensitiveGatewayAsync(string mode) => TestGateway.StartAsync(_openai, configYaml: $"""
        providers:
          local:
            type: openai-compatible
            base_url: {_openai.BaseUrl}
            api_key: {FakeUpstream.ApiKey}
            local: true
        routes:
          - name: private
            sensitive: {mode}
            deployments:
              - model: openai/gpt-4o-mini
              - model: local/llama3.2
          - name: cloud-only
            sensitive: {mode}
            deployments:
              - model: openai/gpt-4o-mini
        """);

    [Fact]
    public async Task WithSensitiveLocalASecretNeverLeavesForACloudDeployment()
    {
        await using var gateway = await SensitiveGatewayAsync("local");

        var plain = await Chat(gateway, "private").CompleteChatAsync([new UserChatMessage("nothing secret in this one")], cancellationToken: Ct);
        var secret = await Assert.ThrowsAsync<ClientResultException>(() =>
            Chat(gateway, "private").CompleteChatAsync([new UserChatMessage("#fake:err-500@llama3.2 card 4111 1111 1111 1111 on file")], cancellationToken: Ct));

        Assert.Equal("gpt-4o-mini", plain.Value.Model);
        // The local deployment failed, and the route has no other local one: the request fails rather than reach the cloud.
        Assert.Equal(500, secret.Status);
        Assert.All(Received("4111 1111 1111 1111"), r => Assert.Contains("\"model\":\"llama3.2\"", r.Body, StringComparison.Ordinal));

        var served = await Chat(gateway, "private").CompleteChatAsync([new UserChatMessage("mail ann@example.com please")], cancellationToken: Ct);
        Assert.Equal("llama3.2", served.Value.Model);
        Assert.All(Received("ann@example.com"), r => Assert.Contains("\"model\":\"llama3.2\"", r.Body, StringComparison.Ordinal));

        var refused = await Assert.ThrowsAsync<ClientResultException>(() => Chat(gateway, "cloud-only").CompleteChatAsync([new UserChatMessage("key sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789")], cancellationToken: Ct));
        Assert.Equal(400, refused.Status);
        Assert.Contains("sensitive_data_requires_local", refused.Message, StringComparison.Ordinal);
        Assert.Empty(Received("sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"));
    }

    [Fact]
    public async Task WithSensitiveRedactTheCloudSeesPlaceholdersAndTheClientGetsItsDataBack()
    {
        await using var gateway = await SensitiveGatewayAsync("redact");

        var answer = await Chat(gateway, "cloud-only").CompleteChatAsync([new UserChatMessage("#fake:echo Write to ann@example.com about card 4111 1111 1111 1111")], cancellationToken: Ct);

        Assert.Contains("Write to ann@example.com about card 4111 1111 1111 1111", answer.Value.Content[0].Text, StringComparison.Ordinal);
        var sent = Assert.Single(Received("Write to [EMAIL_1] about card [CARD_1]"));
        Assert.DoesNotContain("ann@example.com", sent.Body, StringComparison.Ordinal);
        Assert.Empty(Received("4111 1111 1111 1111"));

        var text = new StringBuilder();
        await foreach (var update in Chat(gateway, "cloud-only").CompleteChatStreamingAsync([new UserChatMessage("#fake:echo Streamed to bob@example.org and +44 20 7946 0958")], cancellationToken: Ct))
        {
            text.Append(string.Concat(update.ContentUpdate.Select(p => p.Text)));
        }

        Assert.Contains("Streamed to bob@example.org and +44 20 7946 0958", text.ToString(), StringComparison.Ordinal);
        Assert.Empty(Received("bob@example.org"));
        var record = (await gateway.RecordsAsync(r => r.Stream && r.Route == "cloud-only")).First();
        Assert.Contains("redacted email, phone number for cloud deployments", record.RouteReason, StringComparison.Ordinal);
        Assert.False(record.Estimated);
    }

    [Fact]
    public async Task AReasoningCapLowersWhatReachesTheProvider()
    {
        await using var gateway = await TestGateway.StartAsync(_openai, configYaml: """
            routes:
              - name: thrifty
                max_reasoning_effort: low
                deployments:
                  - model: openai/o4-mini
            """);
        using var http = new HttpClient { BaseAddress = gateway.BaseUrl };

        using var response = await http.PostAsync("/v1/chat/completions", new StringContent(
            """{"model":"thrifty","reasoning_effort":"high","messages":[{"role":"user","content":"think hard about this cap"}]}""", Encoding.UTF8, "application/json"), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"reasoning_effort\":\"low\"", Assert.Single(Received("think hard about this cap")).Body, StringComparison.Ordinal);
        Assert.Contains("reasoning effort high capped to low", response.Headers.GetValues("x-tokenwise-route").Single(), StringComparison.Ordinal);
    }
}
