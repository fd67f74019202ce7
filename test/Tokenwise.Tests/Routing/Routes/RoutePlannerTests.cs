using System.Text.RegularExpressions;
using Microsoft.Extensions.Time.Testing;
using Tokenwise.Routing;
using Tokenwise.Routing.Routes;
using Tokenwise.Testing;
using static Tokenwise.Tests.Routing.Routes.RouteFixtures;

namespace Tokenwise.Tests.Routing.Routes;

public sealed class RoutePlannerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));
    private readonly DeploymentHealthBook _health = new();

    private RoutePlanner Planner(int seed = 7) => new(_health, _time, new Random(seed));

    private async Task<RoutePlan> PlanAsync(RoutePolicy route, string question = "Hello there", RoutePlanner? planner = null)
    {
        var request = Ask(question);
        return await (planner ?? Planner()).PlanAsync(route, request, RequestFeatures.Read(request, "gpt-4o-mini"), Record(), Ct);
    }

    private static string[] Models(RoutePlan plan) => plan.Order.Select(t => t.Model).ToArray();

    [Fact]
    public async Task PriorityKeepsTheConfiguredOrder()
    {
        var plan = await PlanAsync(Route(RouteStrategy.Priority, Target("gpt-4o"), Target("gpt-4o-mini"), Target("gpt-4.1")));

        Assert.Equal(["openai/gpt-4o", "openai/gpt-4o-mini", "openai/gpt-4.1"], Models(plan));
        Assert.Null(plan.Error);
    }

    [Fact]
    public async Task MaxAttemptsCutsTheFallbackChain()
    {
        var route = Route(RouteStrategy.Priority, Target("gpt-4o"), Target("gpt-4o-mini"), Target("gpt-4.1"));
        route = new RoutePolicy { Name = route.Name, Strategy = route.Strategy, Targets = route.Targets, Baseline = route.Baseline, Fallback = FallbackPolicy.Default with { MaxAttempts = 2 } };

        Assert.Equal(["openai/gpt-4o", "openai/gpt-4o-mini"], Models(await PlanAsync(route)));
    }

    [Fact]
    public async Task WeightedSplitsTrafficInProportionToTheWeights()
    {
        var route = Route(RouteStrategy.Weighted, Target("gpt-4o", weight: 3), Target("gpt-4o-mini", weight: 1));
        var planner = Planner(seed: 42);
        var firsts = new Dictionary<string, int>();
        for (var i = 0; i < 4000; i++)
        {
            var first = (await PlanAsync(route, planner: planner)).Order[0].Model;
            firsts[first] = firsts.GetValueOrDefault(first) + 1;
        }

        // 3:1 is 75%; with 4,000 draws the standard deviation of the share is under 0.7 points.
        Assert.InRange(firsts["openai/gpt-4o"] / 4000.0, 0.72, 0.78);
    }

    [Fact]
    public async Task LeastLatencyTriesUnmeasuredDeploymentsThenTheFastest()
    {
        var slow = Target("gpt-4o");
        var fast = Target("gpt-4o-mini");
        var route = Route(RouteStrategy.LeastLatency, slow, fast);
        _health.Of(slow).Succeeded(400);

        Assert.Equal(["openai/gpt-4o-mini", "openai/gpt-4o"], Models(await PlanAsync(route)));

        _health.Of(fast).Succeeded(900);
        Assert.Equal(["openai/gpt-4o", "openai/gpt-4o-mini"], Models(await PlanAsync(route)));
        // The average moves with new samples: 900 → 900 + 0.2 × (100 − 900) = 740, 612, 509.6, 427.68, 362.144.
        for (var i = 0; i < 5; i++)
        {
            _health.Of(fast).Succeeded(100);
        }

        Assert.Equal(362.144, _health.Of(fast).LatencyMs, 6);
        var plan = await PlanAsync(route);
        Assert.Equal(["openai/gpt-4o-mini", "openai/gpt-4o"], Models(plan));
        Assert.Contains("362.1 ms", plan.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LeastCostPutsTheCheapestDeploymentForThisRequestFirst()
    {
        var plan = await PlanAsync(Route(RouteStrategy.LeastCost, Target("gpt-4o"), Target("gpt-4.1"), Target("gpt-4o-mini")));

        // gpt-4o-mini $0.15/$0.60 per M, gpt-4.1 $2/$8, gpt-4o $2.50/$10.
        Assert.Equal(["openai/gpt-4o-mini", "openai/gpt-4.1", "openai/gpt-4o"], Models(plan));
        Assert.StartsWith("least cost: about $", plan.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HeadroomPrefersTheDeploymentFurthestFromItsLimits()
    {
        var small = Target("gpt-4o", rpm: 10);
        var large = Target("gpt-4o-mini", rpm: 100);
        var route = Route(RouteStrategy.Headroom, small, large);
        var now = _time.GetUtcNow();
        for (var i = 0; i < 60; i++)
        {
            _health.Of(large).Sent(now, 10);
        }

        // 40% of 100 left against 100% of 10.
        Assert.Equal(["openai/gpt-4o", "openai/gpt-4o-mini"], Models(await PlanAsync(route)));
        for (var i = 0; i < 9; i++)
        {
            _health.Of(small).Sent(now, 10);
        }

        var plan = await PlanAsync(route);
        Assert.Equal(["openai/gpt-4o-mini", "openai/gpt-4o"], Models(plan));
        Assert.Contains("40%", plan.Reason, StringComparison.Ordinal);

        // A new minute, new headroom.
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(["openai/gpt-4o", "openai/gpt-4o-mini"], Models(await PlanAsync(route)));
    }

    [Fact]
    public async Task ADeploymentCoolingDownGoesLastUntilItsCooldownEnds()
    {
        var primary = Target("gpt-4o");
        var route = Route(RouteStrategy.Priority, primary, Target("gpt-4o-mini"));
        Assert.True(_health.Of(primary).Failed(_time.GetUtcNow(), threshold: 1, TimeSpan.FromSeconds(30)));

        var plan = await PlanAsync(route);
        Assert.Equal(["openai/gpt-4o-mini", "openai/gpt-4o"], Models(plan));
        Assert.Contains("cooling down: openai/gpt-4o", plan.Reason, StringComparison.Ordinal);

        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(["openai/gpt-4o", "openai/gpt-4o-mini"], Models(await PlanAsync(route)));
    }

    [Fact]
    public void CooldownStartsAfterTheConfiguredNumberOfFailuresInARow()
    {
        var health = new DeploymentHealth("openai/gpt-4o");
        var now = _time.GetUtcNow();

        Assert.False(health.Failed(now, threshold: 3, TimeSpan.FromSeconds(10)));
        Assert.False(health.Failed(now, threshold: 3, TimeSpan.FromSeconds(10)));
        health.Succeeded(50); // a success resets the run
        Assert.False(health.Failed(now, threshold: 3, TimeSpan.FromSeconds(10)));
        Assert.False(health.Failed(now, threshold: 3, TimeSpan.FromSeconds(10)));
        Assert.True(health.Failed(now, threshold: 3, TimeSpan.FromSeconds(10)));
        Assert.True(health.IsCoolingDown(now.AddSeconds(9)));
        Assert.False(health.IsCoolingDown(now.AddSeconds(10)));
    }

    [Fact]
    public async Task DeploymentsWhoseWindowThePromptExceedsAreLeftOut()
    {
        // gpt-4o-mini holds 128,000 tokens, gpt-4.1 about a million.
        var route = Route(RouteStrategy.Priority, Target("gpt-4o-mini"), Target("gpt-4.1"));
        var huge = string.Join(' ', Enumerable.Repeat("token", 140_000));

        var plan = await PlanAsync(route, huge);

        Assert.Equal(["openai/gpt-4.1"], Models(plan));
        Assert.Contains("skipped 1 whose context window", plan.Reason, StringComparison.Ordinal);

        var tooBig = await PlanAsync(Route(RouteStrategy.Priority, Target("gpt-4o-mini")), huge);
        Assert.Equal("context_length_exceeded", tooBig.Error!.Code);
        Assert.Contains("128000", tooBig.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheFirstMatchingRuleSendsToItsDeploymentFirst()
    {
        var mini = Target("gpt-4o-mini");
        var big = Target("gpt-4o");
        var route = new RoutePolicy
        {
            Name = "test-route",
            Strategy = RouteStrategy.Priority,
            Targets = [mini, big],
            Baseline = big,
            Rules =
            [
                new RouteRule { Index = 0, Use = big, Pattern = new Regex("(?i)contract|legal") },
                new RouteRule { Index = 1, Use = big, MinPromptTokens = 50 },
            ],
        };

        Assert.Equal(["openai/gpt-4o-mini", "openai/gpt-4o"], Models(await PlanAsync(route, "Say hi")));
        var byRegex = await PlanAsync(route, "Review this Contract clause");
        Assert.Equal(["openai/gpt-4o", "openai/gpt-4o-mini"], Models(byRegex));
        Assert.Equal("rule 0 (regex)", byRegex.Reason);
        var bySize = await PlanAsync(route, string.Join(' ', Enumerable.Repeat("word", 80)));
        Assert.Equal("rule 1 (min_prompt_tokens 50)", bySize.Reason);
    }

    [Fact]
    public async Task RulesSeeToolsImagesTagsAndTeams()
    {
        var mini = Target("gpt-4o-mini");
        var big = Target("gpt-4o");
        var rule = new RouteRule { Index = 0, Use = big, HasTools = true, HasImages = true, Tag = "feature=vision", Team = "support" };
        var route = new RoutePolicy { Name = "r", Strategy = RouteStrategy.Priority, Targets = [mini, big], Baseline = big, Rules = [rule] };
        var request = Chat("""
            {"model":"r","tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}],
             "messages":[{"role":"user","content":[{"type":"text","text":"What is in this picture?"},{"type":"image_url","image_url":{"url":"https://example.com/a.png"}}]}]}
            """);
        var features = RequestFeatures.Read(request, "gpt-4o-mini");
        var record = Record();
        record.Team = "support";
        record.Tags = new Dictionary<string, string> { ["feature"] = "vision" };

        Assert.True(rule.Matches(features, record));
        Assert.Equal("openai/gpt-4o", (await Planner().PlanAsync(route, request, features, record, Ct)).Order[0].Model);
        record.Team = "sales";
        Assert.False(rule.Matches(features, record));
    }

    [Fact]
    public async Task ALearnedRouteSendsHardPromptsStrongAndEasyOnesWeakAndCountsTheShare()
    {
        var embedder = new HashingEmbedder();
        var model = ToyRouter.Train(embedder);
        var strong = Target("gpt-4o");
        var weak = Target("gpt-4o-mini");
        var learned = new LearnedRoute(strong, weak, new StrongWeakRouter(model), embedder, model.Threshold, 0.5);
        var route = new RoutePolicy { Name = "auto", Strategy = RouteStrategy.Learned, Targets = [strong, weak], Baseline = strong, Learned = learned };

        var hard = await PlanAsync(route, "prove the lemma");
        var easy = await PlanAsync(route, "say hi");

        Assert.Equal(["openai/gpt-4o", "openai/gpt-4o-mini"], Models(hard));
        Assert.Equal(["openai/gpt-4o-mini", "openai/gpt-4o"], Models(easy));
        Assert.True(hard.RouterScore > easy.RouterScore);
        Assert.EndsWith(": strong", hard.Reason, StringComparison.Ordinal);
        Assert.Contains($"< threshold {model.Threshold:0.000}: weak", easy.Reason, StringComparison.Ordinal);
        var report = learned.Monitor.Report();
        Assert.Equal((2L, 0.5, 0.0, false), (report.Decisions, report.StrongShare, report.Drift, report.Drifting));
    }

    [Fact]
    public async Task ALearnedRouteWhoseEmbedderFailsChoosesTheStrongModel()
    {
        var strong = Target("gpt-4o");
        var weak = Target("gpt-4o-mini");
        var model = ToyRouter.Train(new HashingEmbedder());
        var learned = new LearnedRoute(strong, weak, new StrongWeakRouter(model), new FailingEmbedder(), model.Threshold, 0.5);
        var route = new RoutePolicy { Name = "auto", Strategy = RouteStrategy.Learned, Targets = [strong, weak], Baseline = strong, Learned = learned };

        var plan = await PlanAsync(route, "say hi");

        Assert.Equal("openai/gpt-4o", plan.Order[0].Model);
        Assert.StartsWith("router unavailable (HttpRequestException): strong", plan.Reason, StringComparison.Ordinal);
    }
}
