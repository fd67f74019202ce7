using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Tokenwise.Budgets;
using Tokenwise.Metering;
using Tokenwise.OpenAI;
using Tokenwise.Pipeline;
using Tokenwise.Pricing;
using Tokenwise.Routing.Routes;

namespace Tokenwise.Tests.Budgets;

public sealed class AdmissionGateTests
{
    private static readonly ModelDeployment Deployment =
        ModelDeployment.FromCatalog("gpt-4o-mini", new ProviderInfo("openai", "openai"), "gpt-4o-mini", PriceCatalog.Embedded);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 23, 59, 0, TimeSpan.Zero));
    private readonly RecordingAlerts _alerts = new();
    private readonly AdmissionGate _gate;

    public AdmissionGateTests() => _gate = new AdmissionGate(new InProcessCounterStore(_time), _alerts, _time, TimeZoneInfo.Utc, UpstreamTimeouts.Default.Total);

    /// <summary>
    /// Models whose prices have different shapes, by name: per token with cheaper cache reads (gpt-4o-mini), per token
    /// with cache-write premiums (Anthropic's claude-sonnet-4-5: input $3/M, cache write $3.75/M for five minutes and
    /// $6/M for an hour), per token with reasoning dearer than output, and a local provider priced by the hour.
    /// </summary>
    private static readonly Dictionary<string, ModelDeployment> Shapes = new()
    {
        ["gpt-4o-mini"] = Deployment,
        ["claude-sonnet-4-5"] = ModelDeployment.FromCatalog("claude-sonnet-4-5", new ProviderInfo("anthropic", "anthropic"), "claude-sonnet-4-5", PriceCatalog.Embedded),
        ["thinker"] = new("thinker", "lab", "thinker", ModelPrice.Free("thinker") with
        {
            InputPerToken = 0.000001m, CacheWritePerToken = 0.000002m, OutputPerToken = 0.000004m, ReasoningPerToken = 0.000012m,
        }),
        ["gpu/llama"] = ModelDeployment.On(new ProviderInfo("gpu", "gpu", Local: true, CostPerHourUsd: 36m), "gpu/llama", "llama", null),
    };

    [Theory]
    [InlineData("gpt-4o-mini", "0.05")]
    [InlineData("claude-sonnet-4-5", "1")]
    [InlineData("thinker", "0.8")]
    [InlineData("gpu/llama", "60")]
    public async Task HundredsOfConcurrentRequestsOfRandomSizeNeverSettleAboveAHardBudget(string model, string budgetUsd)
    {
        // Each amount lets at least ten of the largest requests in before any is refused, and is far below what
        // all 600 want, so the budget binds.
        var amount = decimal.Parse(budgetUsd, System.Globalization.CultureInfo.InvariantCulture);
        var deployment = Shapes[model];
        var budget = new Budget("b", BudgetScope.Team, "support", amount, BudgetPeriod.Day, BudgetMode.Hard, []);
        _gate.Replace(new PolicyBook([budget], []));
        var settled = 0m;
        var settledLock = new Lock();
        int admitted = 0, rejected = 0;

        // Each request bounds its output with max_tokens and really uses a random share of it, its prompt split at
        // random between plain input, cache reads and cache writes (five-minute and one-hour), its output between visible and reasoning
        // tokens, and (priced by the hour) a random time up to the longest a call may last.
        await Parallel.ForAsync(0, 600, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (i, _) =>
        {
            var random = new Random(i);
            var context = Context(maxTokens: random.Next(1, 4000), promptWords: random.Next(1, 3000), deployment: deployment);
            var response = await _gate.InvokeAsync(context, Upstream);
            if (response.Error is not null)
            {
                Interlocked.Increment(ref rejected);
                return;
            }

            Interlocked.Increment(ref admitted);
            await Task.Delay(random.Next(0, 3));
            var prompt = PromptTokens.Estimate(context.Request, deployment.UpstreamModel);
            var cached = random.NextInt64(0, prompt + 1);
            var output = random.Next(0, (int)context.Request.MaxOutputTokens!.Value + 1);
            var written = random.NextInt64(0, prompt - cached + 1);
            var used = new TokenUsage(prompt, cached, written, output, random.Next(0, output + 1)) { CacheWrite1hTokens = random.NextInt64(0, written + 1) };
            var cost = deployment.Cost(used, random.NextDouble() * UpstreamTimeouts.Default.Total.TotalMilliseconds);
            lock (settledLock)
            {
                settled += cost;
                Assert.True(settled <= amount, $"settled {settled} passed the budget {amount}");
            }

            await context.Admission!.SettleAsync(cost, used.TotalTokens);
        });

        Assert.True(settled <= amount);
        Assert.True(admitted > 10 && rejected > 10, $"the budget must bind: {admitted} admitted, {rejected} rejected");
        // Every reservation was replaced by its real cost: the counter holds exactly what was settled.
        Assert.Equal(settled, await _gate.CurrentAsync(budget, "support"));
    }

    [Theory]
    // gpt-4o-mini: plain input $0.15/M is its dearest prompt rate (cache reads are cheaper), output $0.60/M.
    [InlineData("gpt-4o-mini", "0.00000015", "0.0000006")]
    // claude-sonnet-4-5: a one-hour cache write $6/M, dearer than a five-minute one ($3.75/M) or input ($3/M); output $15/M.
    [InlineData("claude-sonnet-4-5", "0.000006", "0.000015")]
    // thinker: a cache write $2/M, reasoning $12/M.
    [InlineData("thinker", "0.000002", "0.000012")]
    // gpu/llama: $36 an hour for the 10 minutes of the total upstream timeout, whatever the tokens.
    [InlineData("gpu/llama", null, null)]
    public async Task ARequestReservesTheDearestWayItCanBeBilled(string model, string? promptRate, string? outputRate)
    {
        // The dearest bill a request can run up: every prompt token at the dearest prompt-side rate (at Anthropic, a
        // cache write with the longest lifetime a request may ask for), every output token at the dearer of output and
        // reasoning, or, priced by the hour, a call that lasts until the total upstream timeout ends it.
        var deployment = Shapes[model];
        var first = Context(maxTokens: 500, promptWords: 800, deployment: deployment);
        var prompt = PromptTokens.Estimate(first.Request, deployment.UpstreamModel);
        var dearest = promptRate is null || outputRate is null
            ? 6m
            : prompt * decimal.Parse(promptRate, System.Globalization.CultureInfo.InvariantCulture)
              + 500 * decimal.Parse(outputRate, System.Globalization.CultureInfo.InvariantCulture);
        var budget = new Budget("exact", BudgetScope.Team, "support", dearest, BudgetPeriod.Day, BudgetMode.Hard, []);
        _gate.Replace(new PolicyBook([budget], []));

        // The budget holds exactly the first request's dearest bill, so while it runs nothing else may start.
        Assert.Null((await _gate.InvokeAsync(first, Upstream)).Error);
        var second = await _gate.InvokeAsync(Context(maxTokens: 1, promptWords: 1, deployment: deployment), Upstream);
        Assert.Equal("budget_exceeded", second.Error?.Code);

        await first.Admission!.SettleAsync(dearest, prompt + 500);
        Assert.Equal(dearest, await _gate.CurrentAsync(budget, "support"));
    }

    [Fact]
    public async Task ARequestForSeveralAnswersReservesTheOutputBoundForEach()
    {
        var single = Context(maxTokens: 1000);
        Assert.True(OpenAIRequestParser.TryParse(Encoding.UTF8.GetBytes(
            $$"""{"model":"{{Deployment.Name}}","n":3,"max_tokens":1000,"messages":[{"role":"user","content":"word word word word word"}]}"""),
            ApiKind.ChatCompletions, out var request, out _));
        var triple = new GatewayContext(request, new UsageRecord
        {
            Id = "req", StartedAt = _time.GetUtcNow(), Endpoint = "chat.completions", Dialect = "openai", KeyId = "key_a", Team = "support",
        }, CancellationToken.None) { Deployment = Deployment };
        var budget = new Budget("n", BudgetScope.Team, "support", 1m, BudgetPeriod.Day, BudgetMode.Hard, []);
        _gate.Replace(new PolicyBook([budget], []));

        await _gate.InvokeAsync(single, Upstream);
        var one = await _gate.CurrentAsync(budget, "support");
        await _gate.InvokeAsync(triple, Upstream);
        var three = await _gate.CurrentAsync(budget, "support") - one;

        // The same prompt, and three answers of up to 1,000 tokens instead of one: 2,000 more output tokens at
        // gpt-4o-mini's $0.60 per million.
        Assert.Equal(0.0012m, three - one);
    }

    [Fact]
    public async Task ABudgetResetsExactlyAtThePeriodBoundary()
    {
        var budget = new Budget("daily", BudgetScope.Key, "key_a", 0.001m, BudgetPeriod.Day, BudgetMode.Hard, []);
        _gate.Replace(new PolicyBook([budget], []));
        while ((await _gate.InvokeAsync(Context(maxTokens: 100), Upstream)).Error is null)
        {
        }

        _time.SetUtcNow(new DateTimeOffset(2026, 11, 25, 23, 59, 59, 999, TimeSpan.Zero));
        var late = Context(maxTokens: 100);
        var refused = await _gate.InvokeAsync(late, Upstream);
        Assert.Equal((429, "budget_exceeded"), (refused.Error!.Status, refused.Error.Code));
        Assert.Contains("It resets at 2026-11-26T00:00:00Z.", refused.Error.Message, StringComparison.Ordinal);
        Assert.Contains(new KeyValuePair<string, string>("retry-after", "1"), late.ResponseHeaders!);

        _time.SetUtcNow(new DateTimeOffset(2026, 11, 26, 0, 0, 0, TimeSpan.Zero));
        Assert.Null((await _gate.InvokeAsync(Context(maxTokens: 100), Upstream)).Error);
    }

    [Fact]
    public async Task ALifetimeBudgetNeverResets()
    {
        _gate.Replace(new PolicyBook([new Budget("life", BudgetScope.Team, "support", 0.0001m, BudgetPeriod.Lifetime, BudgetMode.Hard, [])], []));
        var first = Context(maxTokens: 100);
        Assert.Null((await _gate.InvokeAsync(first, Upstream)).Error);
        await first.Admission!.SettleAsync(0.0001m, 100);

        _time.Advance(TimeSpan.FromDays(400));
        var refused = await _gate.InvokeAsync(Context(maxTokens: 100), Upstream);
        Assert.Equal("budget_exceeded", refused.Error!.Code);
        Assert.DoesNotContain("resets", refused.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASoftBudgetAnswersWarnsAndAlertsOncePerThreshold()
    {
        _gate.Replace(new PolicyBook([new Budget("soft", BudgetScope.Tag, "feature=triage", 0.0001m, BudgetPeriod.Month, BudgetMode.Soft, [50, 80, 100])], []));
        var contexts = new List<GatewayContext>();
        for (var i = 0; i < 6; i++)
        {
            var context = Context(maxTokens: 10, tags: new Dictionary<string, string> { ["feature"] = "triage" });
            Assert.Null((await _gate.InvokeAsync(context, Upstream)).Error);
            await context.Admission!.SettleAsync(0.00003m, 40); // 30%, 60%, 90%, 120%, 150%, 180%
            contexts.Add(context);
        }

        Assert.Equal([50, 80, 100], _alerts.Alerts.Select(a => a.Percent));
        Assert.Equal([0.00006m, 0.00009m, 0.00012m], _alerts.Alerts.Select(a => a.SpentUsd));
        Assert.All(_alerts.Alerts, a => Assert.Equal("feature=triage", a.Target));
        Assert.Null(contexts[3].ResponseHeaders?.FirstOrDefault(h => h.Key == AdmissionGate.WarningHeader).Value);
        Assert.Contains(contexts[5].ResponseHeaders!, h => h.Key == AdmissionGate.WarningHeader);

        // Other tags, and requests without tags, are not counted against it.
        var other = Context(maxTokens: 10, tags: new Dictionary<string, string> { ["feature"] = "search" });
        await _gate.InvokeAsync(other, Upstream);
        Assert.Null(other.Admission);
    }

    [Fact]
    public async Task AHardBudgetThatRefusesARequestRaisesItsHundredPercentAlertOncePerWindow()
    {
        var budget = new Budget("daily", BudgetScope.Team, "support", 0.001m, BudgetPeriod.Day, BudgetMode.Hard, [50, 100]);
        _gate.Replace(new PolicyBook([budget], []));
        var first = Context(maxTokens: 100);
        Assert.Null((await _gate.InvokeAsync(first, Upstream)).Error);
        await first.Admission!.SettleAsync(0.0009m, 100); // 90 %: the 50 % alert, and no request of this size fits any more

        // Many refusals at once: one 100 % alert between them, with what was settled.
        await Parallel.ForAsync(0, 50, async (_, _) => Assert.Equal("budget_exceeded", (await _gate.InvokeAsync(Context(maxTokens: 1000), Upstream)).Error?.Code));
        Assert.Equal([(50, false), (100, true)], _alerts.Alerts.Select(a => (a.Percent, a.Refused)));
        var exhausted = _alerts.Alerts[1];
        Assert.Equal(("daily", "support", 0.0009m, new DateTimeOffset(2026, 11, 26, 0, 0, 0, TimeSpan.Zero)),
            (exhausted.BudgetId, exhausted.Target, exhausted.SpentUsd, exhausted.ResetsAt));

        // The next window starts afresh: refused again, alerted again.
        _time.SetUtcNow(new DateTimeOffset(2026, 11, 26, 0, 0, 0, TimeSpan.Zero));
        Assert.NotNull((await _gate.InvokeAsync(Context(maxTokens: 100_000), Upstream)).Error);
        Assert.NotNull((await _gate.InvokeAsync(Context(maxTokens: 100_000), Upstream)).Error);
        Assert.Equal([(50, false), (100, true), (100, true)], _alerts.Alerts.Select(a => (a.Percent, a.Refused)));
    }

    [Fact]
    public async Task SettledSpendReachingAHardBudgetAndARefusalAfterItRaiseOneHundredPercentAlert()
    {
        _gate.Replace(new PolicyBook([new Budget("exact", BudgetScope.Team, "support", 0.001m, BudgetPeriod.Day, BudgetMode.Hard, [100])], []));
        var first = Context(maxTokens: 100);
        Assert.Null((await _gate.InvokeAsync(first, Upstream)).Error);
        await first.Admission!.SettleAsync(0.001m, 100);
        Assert.NotNull((await _gate.InvokeAsync(Context(maxTokens: 100), Upstream)).Error);
        Assert.Equal([(100, false)], _alerts.Alerts.Select(a => (a.Percent, a.Refused)));
    }

    [Fact]
    public async Task AHardBudgetWithoutAHundredPercentThresholdSendsNoAlertWhenItRefuses()
    {
        _gate.Replace(new PolicyBook([new Budget("quiet", BudgetScope.Team, "support", 0.000001m, BudgetPeriod.Day, BudgetMode.Hard, [50])], []));
        Assert.NotNull((await _gate.InvokeAsync(Context(maxTokens: 100), Upstream)).Error);
        Assert.Empty(_alerts.Alerts);
    }

    [Fact]
    public async Task RequestsPerMinuteRejectWithTheLimitAndResetAndStartAgainNextMinute()
    {
        _gate.Replace(new PolicyBook([], [new RateLimit("rpm", RateLimitScope.Key, "key_a", 2, null, null)]));
        var first = Context(maxTokens: 10);
        await _gate.InvokeAsync(first, Upstream);
        Assert.Equal(["2", "1", "60s"], Headers(first, "x-ratelimit-limit-requests", "x-ratelimit-remaining-requests", "x-ratelimit-reset-requests"));
        await _gate.InvokeAsync(Context(maxTokens: 10), Upstream);

        _time.Advance(TimeSpan.FromSeconds(45));
        var third = Context(maxTokens: 10);
        var refused = await _gate.InvokeAsync(third, Upstream);
        Assert.Equal((429, "rate_limit_exceeded", "requests"), (refused.Error!.Status, refused.Error.Code, refused.Error.Type));
        Assert.Contains("allows 2 requests per minute", refused.Error.Message, StringComparison.Ordinal);
        Assert.Contains("It resets at 2026-11-26T00:00:00Z.", refused.Error.Message, StringComparison.Ordinal);
        Assert.Equal(["0", "15s", "15"], Headers(third, "x-ratelimit-remaining-requests", "x-ratelimit-reset-requests", "retry-after"));

        _time.Advance(TimeSpan.FromSeconds(15));
        Assert.Null((await _gate.InvokeAsync(Context(maxTokens: 10), Upstream)).Error);
    }

    [Fact]
    public async Task TokensPerMinuteCountTheReservationThenTheRealUsage()
    {
        _gate.Replace(new PolicyBook([], [new RateLimit("tpm", RateLimitScope.Model, "gpt-4o-mini", null, 1000, null)]));
        var big = Context(maxTokens: 900);
        Assert.Null((await _gate.InvokeAsync(big, Upstream)).Error);
        var refused = await _gate.InvokeAsync(Context(maxTokens: 900), Upstream);
        Assert.Equal("tokens", refused.Error!.Type);

        // The first request used far less than it reserved; the rest is given back.
        await big.Admission!.SettleAsync(0.00001m, 50);
        Assert.Null((await _gate.InvokeAsync(Context(maxTokens: 900), Upstream)).Error);
    }

    [Theory]
    [InlineData(-9_000_000_000_000_000_000)] // negative: it reserved minus 9e18 tokens and dollars, room for anyone else
    [InlineData(long.MaxValue)]              // the prompt added to it overflowed to a negative reservation
    public async Task AnOutputBoundNoModelCanHaveIsReservedAtTheModelsOwnLimit(long maxTokens)
    {
        // gpt-4o-mini writes at most 16,384 tokens ($0.0098 at $0.60 per million): that is what such a request holds until it settles.
        var budget = new Budget("b", BudgetScope.Team, "support", 0.01m, BudgetPeriod.Day, BudgetMode.Hard, []);
        _gate.Replace(new PolicyBook([budget], [new RateLimit("tpm", RateLimitScope.Model, "gpt-4o-mini", null, 20_000, null)]));
        var odd = Context(maxTokens);
        Assert.Null((await _gate.InvokeAsync(odd, Upstream)).Error);

        Assert.InRange(await _gate.CurrentAsync(budget, "support"), 0.0098m, 0.0099m);
        Assert.Equal("budget_exceeded", (await _gate.InvokeAsync(Context(maxTokens: 1000), Upstream)).Error!.Code);
        _gate.Replace(new PolicyBook([], [new RateLimit("tpm", RateLimitScope.Model, "gpt-4o-mini", null, 20_000, null)]));
        Assert.Equal("tokens", (await _gate.InvokeAsync(Context(maxTokens: 5000), Upstream)).Error!.Type);
    }

    [Fact]
    public async Task AHardBudgetRefusesAModelNoPriceIsKnownForWhereverTheRequestMayReachIt()
    {
        // A model newer than the catalog would reserve and cost nothing: under a hard budget it could spend without limit.
        var unpriced = new ModelDeployment("gpt-9", "openai", "gpt-9", ModelPrice.Free("gpt-9"), Priced: false);
        var hard = new Budget("cap", BudgetScope.Team, "support", 100m, BudgetPeriod.Day, BudgetMode.Hard, []);
        _gate.Replace(new PolicyBook([hard], []));

        var refused = await _gate.InvokeAsync(Context(maxTokens: 10, deployment: unpriced), Upstream);
        Assert.Equal((403, "permission_error", "model_not_priced", "model"), (refused.Error!.Status, refused.Error.Type, refused.Error.Code, refused.Error.Param));
        Assert.Contains("team 'support' day budget cap", refused.Error.Message, StringComparison.Ordinal);
        Assert.Contains("openai/gpt-9", refused.Error.Message, StringComparison.Ordinal);

        // The same on a route whose fallback is the unpriced model, though its first deployment is priced.
        var route = new RoutePolicy
        {
            Name = "auto", Strategy = RouteStrategy.Priority, Targets = [new RouteTarget("gpt-4o-mini", Deployment), new RouteTarget("gpt-9", unpriced)],
            Baseline = new RouteTarget("gpt-4o-mini", Deployment),
        };
        var onRoute = Context(maxTokens: 10);
        onRoute.Route = route;
        Assert.Equal("model_not_priced", (await _gate.InvokeAsync(onRoute, Upstream)).Error?.Code);

        // A priced model passes; a soft budget, which only warns, lets the unpriced one through, as does a team no budget covers.
        Assert.Null((await _gate.InvokeAsync(Context(maxTokens: 10), Upstream)).Error);
        Assert.Null((await _gate.InvokeAsync(Context(maxTokens: 10, team: "other", deployment: unpriced), Upstream)).Error);
        _gate.Replace(new PolicyBook([hard with { Mode = BudgetMode.Soft }], []));
        Assert.Null((await _gate.InvokeAsync(Context(maxTokens: 10, deployment: unpriced), Upstream)).Error);
    }

    [Theory]
    [InlineData("""{"type":"web_search_20250305","name":"web_search"}""", "web_search_unbounded")] // any number of searches at $0.01
    [InlineData("""{"type":"web_search_20250305","name":"web_search","max_uses":3}""", null)]     // reserves 3 × $0.01
    public async Task AHardBudgetRefusesAWebSearchToolWithoutMaxUsesOnAModelThatBillsSearches(string tool, string? code)
    {
        var claude = ModelDeployment.FromCatalog("claude-sonnet-4-5", new ProviderInfo("anthropic", "anthropic"), "claude-sonnet-4-5", PriceCatalog.Embedded);
        claude = claude with { Price = claude.Price with { WebSearchPerRequest = 0.01m } };
        var hard = new Budget("cap", BudgetScope.Team, "support", 100m, BudgetPeriod.Day, BudgetMode.Hard, []);
        _gate.Replace(new PolicyBook([hard], []));
        var body = Encoding.UTF8.GetBytes($$"""{"model":"claude-sonnet-4-5","max_tokens":100,"tools":[{{tool}}],"messages":[{"role":"user","content":"news?"}]}""");
        Assert.True(Tokenwise.Anthropic.AnthropicRequestParser.TryParse(body, ApiKind.Messages, [], out var request, out _));
        var record = new UsageRecord { Id = "req", StartedAt = _time.GetUtcNow(), Endpoint = "messages", Dialect = "anthropic", Team = "support" };
        var context = new GatewayContext(request, record, CancellationToken.None) { Deployment = claude };

        var response = await _gate.InvokeAsync(context, Upstream);

        Assert.Equal(code, response.Error?.Code);
        if (code is null)
        {
            var prompt = PromptTokens.Estimate(request, "claude-sonnet-4-5");
            Assert.Equal(prompt * 0.000006m + 100 * 0.000015m + 3 * 0.01m, await _gate.CurrentAsync(hard, "support"));
        }
        else
        {
            Assert.Equal((400, "tools"), (response.Error!.Status, response.Error.Param));
            Assert.Contains("max_uses", response.Error.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("""{"search_context_size":"high"}""", "0.05")]
    [InlineData(null, "0.035")]
    public async Task ABudgetReservesTheSearchAnOpenAISearchModelRunsOnEveryCallAtItsSize(string? options, string search)
    {
        var searchModel = ModelDeployment.FromCatalog("gpt-4o-search-preview", new ProviderInfo("openai", "openai"), "gpt-4o-search-preview", PriceCatalog.Embedded);
        var hard = new Budget("cap", BudgetScope.Team, "support", 100m, BudgetPeriod.Day, BudgetMode.Hard, []);
        _gate.Replace(new PolicyBook([hard], []));
        var searchOptions = options is null ? "" : $$""","web_search_options":{{options}}""";
        var body = Encoding.UTF8.GetBytes($$"""{"model":"gpt-4o-search-preview","max_completion_tokens":100{{searchOptions}},"messages":[{"role":"user","content":"news?"}]}""");
        Assert.True(OpenAIRequestParser.TryParse(body, ApiKind.ChatCompletions, out var request, out _));
        var record = new UsageRecord { Id = "req", StartedAt = _time.GetUtcNow(), Endpoint = "chat", Dialect = "openai", Team = "support" };
        var context = new GatewayContext(request, record, CancellationToken.None) { Deployment = searchModel };

        Assert.Null((await _gate.InvokeAsync(context, Upstream)).Error);

        // gpt-4o-search-preview: input $2.50/M, output $10/M (the dearest rates it has), and the one search at its size.
        var prompt = PromptTokens.Estimate(request, "gpt-4o-search-preview");
        Assert.Equal(prompt * 0.0000025m + 100 * 0.00001m + decimal.Parse(search, CultureInfo.InvariantCulture), await _gate.CurrentAsync(hard, "support"));
    }

    [Theory]
    [InlineData("gemini-2.5-flash", null)]                    // billed once per grounded answer: $35 per 1,000
    [InlineData("gemini-3-flash-preview", "web_search_unbounded")] // billed per search query, which nothing bounds
    public async Task AHardBudgetReservesAGeminiGroundedAnswerAndRefusesOneBilledPerQuery(string model, string? code)
    {
        var gemini = ModelDeployment.FromCatalog(model, new ProviderInfo("gemini", "gemini"), model, PriceCatalog.Embedded);
        var hard = new Budget("cap", BudgetScope.Team, "support", 100m, BudgetPeriod.Day, BudgetMode.Hard, []);
        _gate.Replace(new PolicyBook([hard], []));
        var body = Encoding.UTF8.GetBytes($$"""{"model":"{{model}}","max_completion_tokens":100,"web_search_options":{},"messages":[{"role":"user","content":"news?"}]}""");
        Assert.True(OpenAIRequestParser.TryParse(body, ApiKind.ChatCompletions, out var request, out _));
        var record = new UsageRecord { Id = "req", StartedAt = _time.GetUtcNow(), Endpoint = "chat", Dialect = "openai", Team = "support" };

        var response = await _gate.InvokeAsync(new GatewayContext(request, record, CancellationToken.None) { Deployment = gemini }, Upstream);

        Assert.Equal(code, response.Error?.Code);
        if (code is null)
        {
            // gemini-2.5-flash: the prompt at its dearest input rate (audio, $1/M), output $2.50/M, and one grounded answer.
            var prompt = PromptTokens.Estimate(request, model);
            Assert.Equal(prompt * 0.000001m + 100 * 0.0000025m + 0.035m, await _gate.CurrentAsync(hard, "support"));
        }
        else
        {
            Assert.Equal((400, "web_search_options"), (response.Error!.Status, response.Error.Param));
            Assert.Contains("gemini/gemini-3-flash-preview bills each search query of a grounded answer ($0.014 each)", response.Error.Message, StringComparison.Ordinal);
            Assert.Equal(0m, await _gate.CurrentAsync(hard, "support"));
        }

        // Without web_search_options the same model reserves no search, and passes.
        Assert.True(OpenAIRequestParser.TryParse(Encoding.UTF8.GetBytes($$"""{"model":"{{model}}","messages":[{"role":"user","content":"hi"}]}"""),
            ApiKind.ChatCompletions, out var plain, out _));
        Assert.Null((await _gate.InvokeAsync(new GatewayContext(plain, record, CancellationToken.None) { Deployment = gemini }, Upstream)).Error);
    }

    [Fact]
    public async Task AHardBudgetRefusesASearchModelWhoseSearchesHaveNoPrice()
    {
        // gpt-5-search-api: the catalog prices its tokens, not the search it runs on every call.
        var searchModel = ModelDeployment.FromCatalog("gpt-5-search-api", new ProviderInfo("openai", "openai"), "gpt-5-search-api", PriceCatalog.Embedded);
        _gate.Replace(new PolicyBook([new Budget("cap", BudgetScope.Team, "support", 100m, BudgetPeriod.Day, BudgetMode.Hard, [])], []));
        var body = Encoding.UTF8.GetBytes("""{"model":"gpt-5-search-api","messages":[{"role":"user","content":"news?"}]}""");
        Assert.True(OpenAIRequestParser.TryParse(body, ApiKind.ChatCompletions, out var request, out _));
        var record = new UsageRecord { Id = "req", StartedAt = _time.GetUtcNow(), Endpoint = "chat", Dialect = "openai", Team = "support" };

        var refused = await _gate.InvokeAsync(new GatewayContext(request, record, CancellationToken.None) { Deployment = searchModel }, Upstream);
        Assert.Equal((403, "model_not_priced"), (refused.Error?.Status, refused.Error?.Code));
        Assert.Contains("no web search price is known for openai/gpt-5-search-api", refused.Error!.Message, StringComparison.Ordinal);

        // Priced (an override file's search_context_cost_per_query), it passes.
        var priced = searchModel with { Price = searchModel.Price with { WebSearchPerRequest = 0.01m } };
        Assert.Null((await _gate.InvokeAsync(new GatewayContext(request, record, CancellationToken.None) { Deployment = priced }, Upstream)).Error);
    }

    [Fact]
    public async Task AModelLimitHoldsForEveryNameThatReachesTheModel()
    {
        // A limit on gpt-4o counts the bare name, the provider-prefixed name and an alias served by gpt-4o, in any case, as one.
        var provider = new ProviderInfo("openai", "openai");
        ModelDeployment[] names =
        [
            ModelDeployment.FromCatalog("gpt-4o", provider, "gpt-4o", PriceCatalog.Embedded),
            ModelDeployment.FromCatalog("openai/gpt-4o", provider, "gpt-4o", PriceCatalog.Embedded),
            ModelDeployment.FromCatalog("smart", provider, "GPT-4o", PriceCatalog.Embedded),
        ];
        _gate.Replace(new PolicyBook([], [new RateLimit("gpt-4o-rpm", RateLimitScope.Model, "gpt-4o", 2, null, null)]));
        Assert.Null((await _gate.InvokeAsync(Context(maxTokens: 10, deployment: names[0]), Upstream)).Error);
        Assert.Null((await _gate.InvokeAsync(Context(maxTokens: 10, deployment: names[1]), Upstream)).Error);
        var refused = await _gate.InvokeAsync(Context(maxTokens: 10, deployment: names[2]), Upstream);
        Assert.Equal("rate_limit_exceeded", refused.Error?.Code);
        Assert.Contains("model 'gpt-4o' rate limit", refused.Error!.Message, StringComparison.Ordinal);

        // Another model is not held by it.
        Assert.Null((await _gate.InvokeAsync(Context(maxTokens: 10), Upstream)).Error);

        // Each model separately: the names of one upstream model share a counter, another model has its own.
        _gate.Replace(new PolicyBook([], [new RateLimit("each-rpm", RateLimitScope.Model, "*", 1, null, null)]));
        Assert.Null((await _gate.InvokeAsync(Context(maxTokens: 10, deployment: names[1]), Upstream)).Error);
        Assert.NotNull((await _gate.InvokeAsync(Context(maxTokens: 10, deployment: names[2]), Upstream)).Error);
        Assert.Null((await _gate.InvokeAsync(Context(maxTokens: 10), Upstream)).Error);
    }

    [Fact]
    public async Task ConcurrentRequestsAreCappedUntilOneFinishes()
    {
        _gate.Replace(new PolicyBook([], [new RateLimit("one", RateLimitScope.Team, "*", null, null, 1)]));
        var first = Context(maxTokens: 10);
        await _gate.InvokeAsync(first, Upstream);
        var refused = await _gate.InvokeAsync(Context(maxTokens: 10), Upstream);
        Assert.Contains("allows 1 concurrent requests", refused.Error!.Message, StringComparison.Ordinal);
        Assert.Null((await _gate.InvokeAsync(Context(maxTokens: 10, team: "other"), Upstream)).Error); // each team separately

        await first.Admission!.SettleAsync(0m, 0);
        await first.Admission!.SettleAsync(0m, 0); // settling twice gives back once
        Assert.Null((await _gate.InvokeAsync(Context(maxTokens: 10), Upstream)).Error);
        Assert.NotNull((await _gate.InvokeAsync(Context(maxTokens: 10), Upstream)).Error);
    }

    [Fact]
    public async Task RequestsNoPolicyCoversPassWithoutAnAdmission()
    {
        _gate.Replace(new PolicyBook([new Budget("s", BudgetScope.Session, "*", 1m, BudgetPeriod.Day, BudgetMode.Hard, [])], []));
        var context = Context(maxTokens: 10); // no session
        Assert.Null((await _gate.InvokeAsync(context, Upstream)).Error);
        Assert.Null(context.Admission);
    }

    private static ValueTask<GatewayResponse> Upstream(GatewayContext context) => ValueTask.FromResult(default(GatewayResponse));

    private GatewayContext Context(long maxTokens, int promptWords = 5, string? team = "support", Dictionary<string, string>? tags = null,
        ModelDeployment? deployment = null)
    {
        deployment ??= Deployment;
        var prompt = string.Join(' ', Enumerable.Repeat("word", promptWords));
        var body = Encoding.UTF8.GetBytes($$"""{"model":"{{deployment.Name}}","max_tokens":{{maxTokens}},"messages":[{"role":"user","content":"{{prompt}}"}]}""");
        Assert.True(OpenAIRequestParser.TryParse(body, ApiKind.ChatCompletions, out var request, out _));
        var record = new UsageRecord
        {
            Id = "req", StartedAt = _time.GetUtcNow(), Endpoint = "chat.completions", Dialect = "openai",
            KeyId = "key_a", Team = team, Tags = tags,
        };
        return new GatewayContext(request, record, CancellationToken.None) { Deployment = deployment };
    }

    private static string[] Headers(GatewayContext context, params string[] names) =>
        [.. names.Select(n => context.ResponseHeaders!.Single(h => h.Key == n).Value)];

    private sealed class RecordingAlerts : IBudgetAlertSink
    {
        private readonly ConcurrentQueue<BudgetAlert> _alerts = new();

        public IReadOnlyList<BudgetAlert> Alerts => [.. _alerts];

        public void Post(BudgetAlert alert) => _alerts.Enqueue(alert);
    }
}
