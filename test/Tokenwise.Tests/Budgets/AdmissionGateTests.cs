using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Tokenwise.Budgets;
using Tokenwise.Metering;
using Tokenwise.OpenAI;
using Tokenwise.Pipeline;
using Tokenwise.Pricing;

namespace Tokenwise.Tests.Budgets;

public sealed class AdmissionGateTests
{
    private static readonly ModelDeployment Deployment =
        ModelDeployment.FromCatalog("gpt-4o-mini", new ProviderInfo("openai", "openai"), "gpt-4o-mini", PriceCatalog.Embedded);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 23, 59, 0, TimeSpan.Zero));
    private readonly RecordingAlerts _alerts = new();
    private readonly AdmissionGate _gate;

    public AdmissionGateTests() => _gate = new AdmissionGate(new InProcessCounterStore(_time), _alerts, _time, TimeZoneInfo.Utc);

    [Fact]
    public async Task HundredsOfConcurrentRequestsOfRandomSizeNeverSettleAboveAHardBudget()
    {
        // The largest reservation is ~$0.003 (3,000 words in, 4,000 tokens out), so at least 16 requests are
        // admitted before any can be refused; 600 requests want ~$0.45 in all, so the budget binds.
        const decimal amount = 0.05m;
        var budget = new Budget("b", BudgetScope.Team, "support", amount, BudgetPeriod.Day, BudgetMode.Hard, []);
        _gate.Replace(new PolicyBook([budget], []));
        var settled = 0m;
        var settledLock = new Lock();
        int admitted = 0, rejected = 0;

        // Each request bounds its output with max_tokens and really uses a random share of it.
        await Parallel.ForAsync(0, 600, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (i, _) =>
        {
            var random = new Random(i);
            var context = Context(maxTokens: random.Next(1, 4000), promptWords: random.Next(1, 3000));
            var response = await _gate.InvokeAsync(context, Upstream);
            if (response.Error is not null)
            {
                Interlocked.Increment(ref rejected);
                return;
            }

            Interlocked.Increment(ref admitted);
            await Task.Delay(random.Next(0, 3));
            var used = new TokenUsage(OpenAIPromptEstimator.Estimate(context.Request, "gpt-4o-mini"), 0, 0, random.Next(0, (int)context.Request.MaxOutputTokens!.Value + 1), 0);
            var cost = Deployment.Price.Cost(used);
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

    private GatewayContext Context(int maxTokens, int promptWords = 5, string? team = "support", Dictionary<string, string>? tags = null)
    {
        var prompt = string.Join(' ', Enumerable.Repeat("word", promptWords));
        var body = Encoding.UTF8.GetBytes($$"""{"model":"gpt-4o-mini","max_tokens":{{maxTokens}},"messages":[{"role":"user","content":"{{prompt}}"}]}""");
        Assert.True(OpenAIRequestParser.TryParse(body, ApiKind.ChatCompletions, out var request, out _));
        var record = new UsageRecord
        {
            Id = "req", StartedAt = _time.GetUtcNow(), Endpoint = "chat.completions", Dialect = "openai",
            KeyId = "key_a", Team = team, Tags = tags,
        };
        return new GatewayContext(request, record, CancellationToken.None) { Deployment = Deployment };
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
