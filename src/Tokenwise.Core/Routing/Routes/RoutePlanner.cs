using System.Globalization;
using Tokenwise.Metering;
using Tokenwise.Pipeline;
using Tokenwise.Sensitivity;

namespace Tokenwise.Routing.Routes;

/// <summary>
/// Orders a route's deployments for one request: a matching rule's deployment first, else the strategy's
/// choice; deployments whose context window the prompt exceeds are left out, and deployments cooling down
/// after failures go last; at most <see cref="FallbackPolicy.MaxAttempts"/> are kept.
/// </summary>
public sealed class RoutePlanner(DeploymentHealthBook health, TimeProvider time, Random? random = null)
{
    /// <summary>The output a least-cost decision assumes when the request sets no bound.</summary>
    public const long DefaultOutputEstimate = 256;

    private readonly Random _random = random ?? Random.Shared;

    public DeploymentHealthBook Health => health;

    /// <param name="embedded">The latest user turn already embedded by the gateway's one embedder (the semantic cache's lookup), so a learned route does not embed it twice.</param>
    public async ValueTask<RoutePlan> PlanAsync(RoutePolicy route, LlmRequest request, RequestFeatures features, UsageRecord record, CancellationToken cancellationToken,
        (string Text, float[] Vector)? embedded = null)
    {
        ArgumentNullException.ThrowIfNull(route);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(features);
        var now = time.GetUtcNow();
        List<RouteTarget> order;
        string reason;
        double? score = null;
        if (route.Rules.FirstOrDefault(r => r.Matches(features, record)) is { } rule)
        {
            order = [rule.Use, .. route.Targets.Where(t => t != rule.Use)];
            reason = rule.Describe();
        }
        else
        {
            (order, reason, score) = await OrderAsync(route, request, features, now, embedded, cancellationToken);
        }

        if (route.Sensitive == SensitiveMode.Local && features.Sensitive.Count > 0)
        {
            var kinds = Redaction.DescribeKinds(features.Sensitive);
            order = order.Where(t => t.Deployment.Local).ToList();
            if (order.Count == 0)
            {
                return new RoutePlan([], reason, score, GatewayError.InvalidRequest(
                    $"The request contains personal data or secrets ({kinds}); route '{route.Name}' sends such requests only to local deployments, and it has none.",
                    "sensitive_data_requires_local", "messages"));
            }

            reason += $"; sensitive ({kinds}): local deployments only";
        }

        var fitting = order.Where(t => t.Deployment.Price.MaxInputTokens is not { } window || features.PromptTokens <= window).ToList();
        if (fitting.Count == 0)
        {
            var largest = order.Max(t => t.Deployment.Price.MaxInputTokens ?? 0);
            return new RoutePlan([], reason, score, GatewayError.InvalidRequest(string.Create(CultureInfo.InvariantCulture,
                $"The prompt (about {features.PromptTokens} tokens) exceeds the context window of every deployment of route '{route.Name}' (the largest holds {largest})."),
                "context_length_exceeded", "messages"));
        }

        if (fitting.Count < order.Count)
        {
            reason += string.Create(CultureInfo.InvariantCulture, $"; skipped {order.Count - fitting.Count} whose context window is under {features.PromptTokens} tokens");
        }

        var cooling = fitting.Where(t => health.Of(t).IsCoolingDown(now)).ToList();
        if (cooling.Count > 0)
        {
            fitting = [.. fitting.Except(cooling), .. cooling];
            reason += "; cooling down: " + string.Join(", ", cooling.Select(t => t.Model));
        }

        return new RoutePlan(fitting.Take(route.Fallback.MaxAttempts).ToList(), reason, score);
    }

    private async ValueTask<(List<RouteTarget>, string, double?)> OrderAsync(RoutePolicy route, LlmRequest request, RequestFeatures features,
        DateTimeOffset now, (string Text, float[] Vector)? embedded, CancellationToken cancellationToken)
    {
        var targets = route.Targets;
        var inv = CultureInfo.InvariantCulture;
        switch (route.Strategy)
        {
            case RouteStrategy.Weighted:
                // Efraimidis–Spirakis: sorting by U^(1/w) draws a weighted order without replacement.
                var drawn = targets.Select(t => (Target: t, Key: Math.Pow(_random.NextDouble(), 1 / t.Weight))).OrderByDescending(x => x.Key).Select(x => x.Target).ToList();
                return (drawn, "weighted draw", null);

            case RouteStrategy.LeastLatency:
                // Unmeasured deployments first, so each gets measured; then the fastest.
                var fastest = targets.OrderBy(t => double.IsNaN(health.Of(t).LatencyMs) ? -1 : health.Of(t).LatencyMs).ToList();
                var latency = health.Of(fastest[0]).LatencyMs;
                return (fastest, double.IsNaN(latency) ? "least latency: not measured yet" : string.Create(inv, $"least latency: {latency:0.#} ms to first byte on average"), null);

            case RouteStrategy.LeastCost:
                var usage = new TokenUsage(features.PromptTokens, 0, 0, request.MaxOutputTokens ?? DefaultOutputEstimate, 0);
                var cheapest = targets.OrderBy(t => t.Deployment.Price.Cost(usage)).ToList();
                return (cheapest, string.Create(inv, $"least cost: about ${cheapest[0].Deployment.Price.Cost(usage):0.########} for {usage.InputTokens} prompt and {usage.OutputTokens} output tokens"), null);

            case RouteStrategy.Headroom:
                var roomiest = targets.Select(t => (Target: t, Room: Headroom(t, now))).OrderByDescending(x => x.Room).ToList();
                return (roomiest.Select(x => x.Target).ToList(), string.Create(inv, $"most headroom: {roomiest[0].Room * 100:0}% of its per-minute limits left"), null);

            case RouteStrategy.Learned when route.Learned is { } learned:
                return await DecideAsync(learned, features, embedded, cancellationToken);

            case RouteStrategy.Cascade:
                return ([.. targets], "cascade: cheapest first", null);

            default:
                return ([.. targets], "priority: the first available", null);
        }
    }

    /// <summary>The smaller of the shares of its request and token limits left in this minute; 1 without limits.</summary>
    private double Headroom(RouteTarget target, DateTimeOffset now)
    {
        var (requests, tokens) = health.Of(target).ThisMinute(now);
        var room = 1.0;
        if (target.RequestsPerMinute is { } rpm)
        {
            room = Math.Min(room, 1 - ((double)requests / rpm));
        }

        if (target.TokensPerMinute is { } tpm)
        {
            room = Math.Min(room, 1 - ((double)tokens / tpm));
        }

        return Math.Max(0, room);
    }

    private static async ValueTask<(List<RouteTarget>, string, double?)> DecideAsync(LearnedRoute learned, RequestFeatures features,
        (string Text, float[] Vector)? embedded, CancellationToken cancellationToken)
    {
        var prompt = features.LatestUserText.Length > 0 ? features.LatestUserText : features.AllText;
        float[] embedding;
        try
        {
            embedding = embedded is { } e && e.Text == prompt
                ? e.Vector
                : (await learned.Embedder.EmbedAsync([prompt], cancellationToken))[0];
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Without a score the safe choice is the strong model: quality is kept, only the saving is lost.
            return ([learned.Strong, learned.Weak], "router unavailable (" + e.GetType().Name + "): strong", null);
        }

        var score = learned.Router.Score(embedding, prompt);
        var strong = score >= learned.Threshold;
        learned.Monitor.Record(strong);
        var inv = CultureInfo.InvariantCulture;
        return strong
            ? ([learned.Strong, learned.Weak], string.Create(inv, $"router score {score:0.000} >= threshold {learned.Threshold:0.000}: strong"), score)
            : ([learned.Weak, learned.Strong], string.Create(inv, $"router score {score:0.000} < threshold {learned.Threshold:0.000}: weak"), score);
    }
}
