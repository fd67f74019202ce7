using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Text;
using System.Text.Json;
using OpenAI;
using OpenAI.Chat;
using Tokenwise.Configuration;
using Tokenwise.Metering;
using Tokenwise.Testing;

namespace Tokenwise.EndToEnd.Tests.Routing;

/// <summary>
/// Routes served end to end: fallbacks on each kind of failure (cued per model on the fake upstreams),
/// streaming before and after the first byte, routes across providers and dialects, rules, the learned
/// router, and the decision on the record and in <c>x-tokenwise-route</c>. Each test has its own gateway,
/// since deployment health (cooldowns) is shared by every request to a gateway.
/// </summary>
public sealed class RoutingTests : IAsyncLifetime
{
    private const string PriorityRoute = """
        routes:
          - name: triage
            deployments:
              - model: openai/gpt-4o
              - model: openai/gpt-4o-mini
        """;

    private FakeUpstream _openai = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _openai = await FakeUpstream.StartAsync();

    public async ValueTask DisposeAsync() => await _openai.DisposeAsync();

    private Task<TestGateway> StartAsync(string yaml, Dictionary<string, string?>? settings = null) =>
        TestGateway.StartAsync(_openai, new Dictionary<string, string?>(settings ?? [])
        {
            ["upstream:first_byte_timeout_seconds"] = settings?.GetValueOrDefault("upstream:first_byte_timeout_seconds") ?? "30",
        }, yaml);

    private static ChatClient Chat(TestGateway gateway, string model) => new(model, new ApiKeyCredential("sk-client"), new OpenAIClientOptions
    {
        Endpoint = gateway.OpenAIBaseUrl,
        RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
    });

    /// <summary>Asks through the OpenAI SDK; returns the answer, its <c>x-tokenwise-route</c> header (empty on a cache hit, which skips routing) and its record.</summary>
    private static async Task<(ChatCompletion Answer, string Route, UsageRecord Record)> AskAsync(TestGateway gateway, string model, string prompt)
    {
        var result = await Chat(gateway, model).CompleteChatAsync([new UserChatMessage(prompt)], cancellationToken: Ct);
        var headers = result.GetRawResponse().Headers;
        Assert.True(headers.TryGetValue("x-tokenwise-request-id", out var id));
        return (result.Value, headers.TryGetValue("x-tokenwise-route", out var route) ? route! : "", await gateway.RecordAsync(id!));
    }

    private int Received(string prompt, string model) =>
        _openai.Received.Count(r => r.Body.Contains(prompt, StringComparison.Ordinal) && r.Body.Contains($"\"model\":\"{model}\"", StringComparison.Ordinal));

    [Fact]
    public async Task ARateLimitedPrimaryFallsBackAndRestsForItsCooldown()
    {
        await using var gateway = await StartAsync(PriorityRoute);

        var (answer, route, record) = await AskAsync(gateway, "triage", "#fake:err-429@gpt-4o rate limited primary");

        Assert.Equal("gpt-4o-mini", answer.Model);
        Assert.Equal("route=triage; deployment=openai/gpt-4o-mini; reason=priority: the first available; openai/gpt-4o failed (429), fell back", route);
        Assert.Equal(("triage", "priority", 2, "openai", "gpt-4o-mini", 200), (record.Route, record.RoutePolicy, record.RouteAttempts, record.Provider, record.UpstreamModel, record.Status));
        Assert.Equal((1, 1), (Received("rate limited primary", "gpt-4o"), Received("rate limited primary", "gpt-4o-mini")));

        // gpt-4o now rests (30 s by default): the next request goes to gpt-4o-mini first.
        var (_, nextRoute, next) = await AskAsync(gateway, "triage", "after the cooldown started");
        Assert.Equal(("gpt-4o-mini", 1), (next.UpstreamModel, next.RouteAttempts));
        Assert.Contains("cooling down: openai/gpt-4o", nextRoute, StringComparison.Ordinal);
        Assert.Equal(0, Received("after the cooldown started", "gpt-4o"));
    }

    [Theory]
    [InlineData("#fake:err-500@gpt-4o", "500")]
    [InlineData("#fake:err-503@gpt-4o", "503")]
    [InlineData("#fake:slow-30000@gpt-4o", "timed out")]
    public async Task ServerErrorsAndTimeoutsFallBack(string cue, string what)
    {
        // Long enough that a loaded machine never trips it for the fallback, which answers at once.
        await using var gateway = await StartAsync(PriorityRoute, new() { ["upstream:first_byte_timeout_seconds"] = "3" });

        var (answer, route, record) = await AskAsync(gateway, "triage", cue + " failing primary");

        Assert.Equal("gpt-4o-mini", answer.Model);
        Assert.Contains($"openai/gpt-4o failed ({what}), fell back", route, StringComparison.Ordinal);
        Assert.Equal((2, 200), (record.RouteAttempts, record.Status));
    }

    [Fact]
    public async Task ADeploymentsOwnFirstByteTimeoutGivesWayToTheFallbackBeforeTheGatewaysWould()
    {
        await using var gateway = await StartAsync("""
            routes:
              - name: triage
                deployments:
                  - model: openai/gpt-4o
                    first_byte_timeout_seconds: 1
                  - model: openai/gpt-4o-mini
            """, new() { ["upstream:first_byte_timeout_seconds"] = "60" });

        var (answer, route, record) = await AskAsync(gateway, "triage", "#fake:slow-60000@gpt-4o a primary that hangs");

        Assert.Equal("gpt-4o-mini", answer.Model);
        Assert.Contains("openai/gpt-4o failed (timed out), fell back", route, StringComparison.Ordinal);
        // The gateway's own 60 s would have kept the client waiting a minute; the deployment's 1 s lets it go on.
        Assert.True(record.LatencyMs < 30_000, $"answered after {record.LatencyMs} ms");
    }

    [Fact]
    public async Task AnUnreachableDeploymentFallsBackToAnotherProvider()
    {
        await using var gateway = await StartAsync("""
            providers:
              dead:
                type: openai-compatible
                base_url: http://127.0.0.1:9/v1
            routes:
              - name: triage
                deployments:
                  - model: dead/gpt-4o
                  - model: openai/gpt-4o-mini
            """);

        var (answer, route, record) = await AskAsync(gateway, "triage", "the first provider is down");

        Assert.Equal("gpt-4o-mini", answer.Model);
        Assert.Contains("dead/gpt-4o failed (unreachable), fell back", route, StringComparison.Ordinal);
        Assert.Equal(("openai", 2), (record.Provider, record.RouteAttempts));
    }

    [Fact]
    public async Task WhenEveryDeploymentFailsTheLastAnswerReachesTheClientInItsDialect()
    {
        await using var gateway = await StartAsync(PriorityRoute);

        var e = await Assert.ThrowsAsync<ClientResultException>(() => AskAsync(gateway, "triage", "#fake:err-429@gpt-4o #fake:err-500@gpt-4o-mini all failing"));

        Assert.Equal(500, e.Status);
        var record = (await gateway.RecordsAsync(r => r.Route == "triage")).Single();
        Assert.Equal((500, 2), (record.Status, record.RouteAttempts));
    }

    [Fact]
    public async Task AClientErrorIsNotRetriedElsewhere()
    {
        await using var gateway = await StartAsync(PriorityRoute);

        var e = await Assert.ThrowsAsync<ClientResultException>(() => AskAsync(gateway, "triage", "#fake:err-400@gpt-4o bad temperature"));

        Assert.Equal(400, e.Status);
        Assert.Contains("Invalid value for 'temperature'", e.Message, StringComparison.Ordinal); // the upstream's own body, relayed
        Assert.Equal(0, Received("bad temperature", "gpt-4o-mini"));
    }

    [Fact]
    public async Task AContextLengthErrorMovesOnToALargerWindowOnly()
    {
        // gpt-4o-mini and gpt-4o hold 128,000 tokens; gpt-4.1 about a million.
        await using var gateway = await StartAsync("""
            routes:
              - name: long
                deployments:
                  - model: openai/gpt-4o-mini
                  - model: openai/gpt-4o
                  - model: openai/gpt-4.1
            """);

        var (answer, route, record) = await AskAsync(gateway, "long", "#fake:err-context@gpt-4o-mini a very long document");

        Assert.Equal("gpt-4.1", answer.Model);
        Assert.Contains("openai/gpt-4o-mini failed (context length exceeded), fell back", route, StringComparison.Ordinal);
        Assert.Equal(0, Received("a very long document", "gpt-4o")); // its window is no larger
        Assert.Equal(2, record.RouteAttempts);
    }

    [Fact]
    public async Task AStreamFallsBackBeforeItsFirstByte()
    {
        await using var gateway = await StartAsync(PriorityRoute);

        var text = new StringBuilder();
        await foreach (var update in Chat(gateway, "triage").CompleteChatStreamingAsync([new UserChatMessage("#fake:err-500@gpt-4o stream me")], cancellationToken: Ct))
        {
            text.Append(string.Concat(update.ContentUpdate.Select(p => p.Text)));
        }

        Assert.NotEqual("", text.ToString());
        var record = (await gateway.RecordsAsync(r => r.Route == "triage")).Single();
        Assert.Equal(("gpt-4o-mini", 2, 200, true), (record.UpstreamModel, record.RouteAttempts, record.Status, record.Stream));
        Assert.False(record.Estimated);
    }

    [Fact]
    public async Task AStreamThatBreaksAfterItsFirstByteIsNeverRetried()
    {
        await using var gateway = await StartAsync(PriorityRoute);
        using var http = new HttpClient { BaseAddress = gateway.BaseUrl };

        using var response = await http.PostAsync("/v1/chat/completions", new StringContent(
            """{"model":"triage","stream":true,"messages":[{"role":"user","content":"#fake:broken@gpt-4o break after two chunks"}]}""", Encoding.UTF8, "application/json"), Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("upstream_unavailable", body, StringComparison.Ordinal); // the stream's final error event
        Assert.Equal((1, 0), (Received("break after two chunks", "gpt-4o"), Received("break after two chunks", "gpt-4o-mini")));
        var record = (await gateway.RecordsAsync(r => r.Route == "triage")).Single();
        Assert.Equal(("gpt-4o", 1, "upstream_stream_broken"), (record.UpstreamModel, record.RouteAttempts, record.ErrorCode));
    }

    [Fact]
    public async Task ARouteSpansProvidersAndDialects()
    {
        await using var anthropic = await FakeAnthropicUpstream.StartAsync();
        await using var gateway = await TestGateway.StartAsync(_openai, anthropic, configYaml: """
            routes:
              - name: cross
                deployments:
                  - model: anthropic/claude-sonnet-4-5
                  - model: openai/gpt-4o-mini
            """);

        // An Anthropic client reaches Claude natively while it is well.
        var claude = new global::Anthropic.AnthropicClient { BaseUrl = gateway.BaseUrl.ToString().TrimEnd('/'), ApiKey = "sk-ant-client", MaxRetries = 0 };
        var native = await claude.Messages.Create(new global::Anthropic.Models.Messages.MessageCreateParams
        {
            Model = "cross",
            MaxTokens = 64,
            Messages = [new global::Anthropic.Models.Messages.UserMessageParam("hello native claude")],
        }, Ct);
        Assert.Equal("claude-sonnet-4-5", native.Model);

        // An OpenAI client: Claude (reached through the translation) is overloaded, so OpenAI answers natively.
        var (answer, _, record) = await AskAsync(gateway, "cross", "#fake:err-529@claude-sonnet-4-5 overloaded claude");
        Assert.Equal("gpt-4o-mini", answer.Model);
        Assert.Equal(("openai", 2), (record.Provider, record.RouteAttempts));
        Assert.Single(anthropic.Received, r => r.Body.Contains("overloaded claude", StringComparison.Ordinal));

        // The Anthropic client again: Claude rests after its 529, and the route serves it from OpenAI, translated.
        var translated = await claude.Messages.Create(new global::Anthropic.Models.Messages.MessageCreateParams
        {
            Model = "cross",
            MaxTokens = 64,
            Messages = [new global::Anthropic.Models.Messages.UserMessageParam("hello while claude rests")],
        }, Ct);
        Assert.True(translated.Content[0].TryPickText(out var text) && text.Text.Length > 0);
        var anthropicRecords = await gateway.RecordsAsync(r => r.Route == "cross" && r.Dialect == "anthropic", atLeast: 2);
        Assert.Equal(["openai", "anthropic"], anthropicRecords.Select(r => r.Provider!).ToArray()); // newest first
        Assert.DoesNotContain(anthropic.Received, r => r.Body.Contains("hello while claude rests", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ARuleSendsRequestsWithToolsToItsDeployment()
    {
        await using var gateway = await StartAsync("""
            routes:
              - name: agent
                deployments:
                  - model: openai/gpt-4o-mini
                  - model: openai/gpt-4o
                rules:
                  - has_tools: true
                    use: openai/gpt-4o
            """);
        var tool = ChatTool.CreateFunctionTool("lookup", "Looks something up.", BinaryData.FromString("""{"type":"object","properties":{"q":{"type":"string"}}}"""));

        var withTools = await Chat(gateway, "agent").CompleteChatAsync([new UserChatMessage("use the tool please")], new ChatCompletionOptions { Tools = { tool } }, Ct);
        var plain = await Chat(gateway, "agent").CompleteChatAsync([new UserChatMessage("no tools here")], cancellationToken: Ct);

        Assert.Equal("gpt-4o", withTools.Value.Model);
        Assert.True(withTools.GetRawResponse().Headers.TryGetValue("x-tokenwise-route", out var route));
        Assert.Contains("reason=rule 0 (has_tools)", route, StringComparison.Ordinal);
        Assert.Equal("gpt-4o-mini", plain.Value.Model);
    }

    [Fact]
    public async Task ALearnedRouteDecidesByScoreRecordsTheCounterfactualAndReportsItsShare()
    {
        var embedder = new HashingEmbedder();
        var modelFile = Path.Combine(Path.GetTempPath(), $"toy-router-{Guid.NewGuid():N}.json");
        await using (var file = File.Create(modelFile))
        {
            ToyRouter.Train(embedder).Save(file);
        }

        await using var gateway = await TestGateway.StartAsync(new Dictionary<string, string?>
        {
            ["providers:openai:type"] = "openai",
            ["providers:openai:base_url"] = _openai.BaseUrl.ToString(),
            ["providers:openai:api_key"] = FakeUpstream.ApiKey,
        }, $"""
            routes:
              - name: auto
                strategy: learned
                strong: openai/gpt-4o
                weak: openai/gpt-4o-mini
                router_model: {modelFile}
            """, embedder: embedder);

        var (hardAnswer, hardRoute, hard) = await AskAsync(gateway, "auto", "prove the lemma");
        var (easyAnswer, easyRoute, easy) = await AskAsync(gateway, "auto", "say hi");

        Assert.Equal(("gpt-4o", "gpt-4o-mini"), (hardAnswer.Model, easyAnswer.Model));
        Assert.EndsWith(": strong", hardRoute, StringComparison.Ordinal);
        Assert.EndsWith(": weak", easyRoute, StringComparison.Ordinal);
        Assert.Equal(("learned", "auto"), (easy.RoutePolicy, easy.Route));
        Assert.True(hard.RouterScore > easy.RouterScore);
        // The counterfactual is what gpt-4o ($2.50/M in, $10/M out) would have charged for the weak answer's tokens.
        Assert.Equal(easy.Usage.InputTokens * 0.0000025m + easy.Usage.OutputTokens * 0.00001m, easy.CounterfactualUsd);
        Assert.Equal(easy.Usage.InputTokens * 0.00000015m + easy.Usage.OutputTokens * 0.0000006m, easy.CostUsd);
        Assert.Equal(hard.CostUsd, hard.CounterfactualUsd);

        // Savings against the baseline: the weak answer's tokens at gpt-4o's price, less what gpt-4o-mini charged.
        using var http = new HttpClient { BaseAddress = gateway.BaseUrl };
        using var report = JsonDocument.Parse(await http.GetStringAsync("/admin/reports/routes?since=1h", Ct));
        var row = Assert.Single(report.RootElement.EnumerateArray());
        Assert.Equal(easy.CounterfactualUsd - easy.CostUsd, row.GetProperty("saved_usd").GetDecimal());

        var cli = await TokenwiseCli.RunAsync(new Dictionary<string, string> { ["TOKENWISE_URL"] = gateway.BaseUrl.ToString() }, "routes", "--format", "csv");
        Assert.True(cli.Exit == 0, cli.Err);
        Assert.StartsWith("route,strategy,deployment,successes,failures,latency_ms,cooling_down_until,requests_this_minute,strong_share,target_strong_share,drifting\nauto,learned,openai/gpt-4o,1,0,",
            cli.Out.ReplaceLineEndings("\n"), StringComparison.Ordinal);

        using var routes = JsonDocument.Parse(await http.GetStringAsync("/admin/routes", Ct));
        var auto = routes.RootElement.EnumerateArray().Single(r => r.GetProperty("name").GetString() == "auto");
        var learned = auto.GetProperty("learned");
        Assert.Equal((2, 0.5, 0.5), (learned.GetProperty("decisions").GetInt32(), learned.GetProperty("strong_share").GetDouble(), learned.GetProperty("target_strong_share").GetDouble()));
        File.Delete(modelFile);
    }

    [Fact]
    public async Task ARoutesAnswersAreCachedUnderTheRouteAndListedAsAModel()
    {
        await using var gateway = await StartAsync(PriorityRoute);

        var (_, _, first) = await AskAsync(gateway, "triage", "cache me on the route");
        var (_, _, second) = await AskAsync(gateway, "triage", "cache me on the route");

        Assert.Equal(("miss", "hit-exact"), (first.Cache, second.Cache));
        Assert.Equal(("triage", "triage"), (first.Route, second.Route)); // a hit is still the route's spend
        Assert.Equal(1, Received("cache me on the route", "gpt-4o"));
        using var http = new HttpClient { BaseAddress = gateway.BaseUrl };
        Assert.Contains("\"id\":\"triage\"", await http.GetStringAsync("/v1/models", Ct), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("routes:\n  - name: r\n    deployments:\n      - model: openai/gpt-4o\n      - model: nosuch-model-xyz", "routes.0.deployments.1.model")]
    [InlineData("routes:\n  - name: r\n    strategy: fastest\n    deployments:\n      - model: openai/gpt-4o", "routes.0.strategy")]
    [InlineData("routes:\n  - name: r\n    deployments:\n      - model: openai/gpt-4o\n    rules:\n      - use: openai/gpt-4o", "routes.0.rules.0")]
    [InlineData("routes:\n  - name: r\n    strategy: learned\n    strong: openai/gpt-4o", "routes.0.weak")]
    [InlineData("routes:\n  - name: r\n    deployments:\n      - model: openai/gpt-4o\n    fallback:\n      on: [rate_limit, sometimes]", "routes.0.fallback.on")]
    public async Task ABadRouteStopsStartUpNamingTheSetting(string yaml, string setting)
    {
        var e = await Assert.ThrowsAsync<ConfigurationException>(() => StartAsync(yaml));

        Assert.Contains(setting, e.Message, StringComparison.Ordinal);
    }

    /// <summary>The shipped model was trained on int8 vectors; fp32 ones are not what its weights expect.</summary>
    [Fact]
    public async Task ALearnedRouteOnTheOtherPrecisionsVectorsStopsStartUpNamingTheSettingToChange()
    {
        var e = await Assert.ThrowsAsync<ConfigurationException>(() => StartAsync(
            "routes:\n  - name: r\n    strategy: learned\n    strong: openai/gpt-4o\n    weak: openai/gpt-4o-mini",
            new() { ["cache:embeddings:precision"] = "fp32" }));

        Assert.Contains("routes.0.router_model: the model was trained on all-MiniLM-L6-v2-int8 embeddings; the gateway embeds with all-MiniLM-L6-v2 "
            + "(set cache.embeddings.precision: int8)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ALearnedRouteBesideAnEmbeddingsEndpointStopsStartUpSayingToRemoveIt()
    {
        // Setting the precision, as the message said before, changes nothing when an endpoint does the embedding.
        var e = await Assert.ThrowsAsync<ConfigurationException>(() => StartAsync(
            "routes:\n  - name: r\n    strategy: learned\n    strong: openai/gpt-4o\n    weak: openai/gpt-4o-mini",
            new() { ["cache:embeddings:url"] = "http://127.0.0.1:9/v1", ["cache:embeddings:model"] = "text-embedding-3-small" }));

        Assert.Contains("the gateway embeds with text-embedding-3-small (the embeddings endpoint cache.embeddings.url embeds for learned routes too: "
            + "remove it to embed with the local all-MiniLM-L6-v2, precision int8)", e.Message, StringComparison.Ordinal);
    }
}
