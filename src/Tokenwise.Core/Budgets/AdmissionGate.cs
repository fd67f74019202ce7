using System.Globalization;
using Tokenwise.Metering;
using Tokenwise.Pipeline;

namespace Tokenwise.Budgets;

/// <summary>
/// The one gate every model request passes, whatever its endpoint, dialect or key: it reserves the most
/// the request can cost against every budget and rate limit that applies, atomically, and rejects it when
/// a hard one would be exceeded. The endpoint settles the reservation with the real usage afterwards
/// (<see cref="Admission.SettleAsync"/>), so concurrent requests can never together spend past a hard budget.
/// </summary>
/// <param name="longestCall">
/// The longest an upstream call may last (the total upstream timeout): what a request priced by the hour reserves.
/// </param>
public sealed class AdmissionGate(ICounterStore counters, IBudgetAlertSink alerts, TimeProvider time, TimeZoneInfo zone, TimeSpan longestCall) : IGatewayStage
{
    /// <summary>The output bound of a request that sets no <c>max_tokens</c> for a model whose catalog entry gives no limit.</summary>
    public const long DefaultOutputBound = 4096;

    public const string WarningHeader = "x-tokenwise-budget-warning";

    private volatile PolicyBook _book = PolicyBook.Empty;

    public PolicyBook Book => _book;

    public TimeZoneInfo Zone => zone;

    public void Replace(PolicyBook book) => _book = book;

    public async ValueTask<GatewayResponse> InvokeAsync(GatewayContext context, GatewayHandler next)
    {
        var book = _book;
        // Counting tokens is free and has its own limits upstream; it spends nothing.
        if (book.IsEmpty || context.Request.Api == ApiKind.CountTokens)
        {
            return await next(context);
        }

        var admission = Plan(book, context, out var unbounded);
        if (unbounded is not null)
        {
            return GatewayResponse.Fail(unbounded);
        }

        if (admission is null)
        {
            return await next(context);
        }

        var result = await counters.TryAddAsync(admission.Checks);
        if (!result.Admitted)
        {
            if (admission.Parts[result.FailedIndex] is { Kind: Admission.PartKind.Budget } exhausted)
            {
                await AlertRefusedAsync(exhausted, admission.Checks[result.FailedIndex]);
            }

            return Reject(context, admission, result);
        }

        context.Admission = admission;
        AddHeaders(context, admission, result.Values);
        return await next(context);
    }

    /// <summary>
    /// The counters this request touches, or null when no budget or limit applies to it. <paramref name="unbounded"/> is
    /// set when a hard budget applies but the request's cost has no bound to reserve: it is refused, as it could overspend.
    /// </summary>
    private Admission? Plan(PolicyBook book, GatewayContext context, out GatewayError? unbounded)
    {
        unbounded = null;
        var record = context.Record;
        var now = time.GetUtcNow();
        List<CounterCheck>? checks = null;
        List<Admission.Part>? parts = null;
        ReservedCost? reserve = null;

        foreach (var budget in book.Budgets)
        {
            if (BudgetTarget(budget, record) is not { } target)
            {
                continue;
            }

            reserve ??= Reserve(context);
            if (budget.Mode == BudgetMode.Hard && reserve.Value.Unbounded is { } why)
            {
                unbounded = why with { Message = $"The hard {budget.Describe()} cannot hold this request: {why.Message}" };
                return null;
            }

            var window = BudgetWindow.Of(budget.Period, now, zone);
            var key = BudgetKey(budget, target, window);
            Add(ref checks, ref parts, new CounterCheck(key, reserve.Value.Usd, budget.Mode == BudgetMode.Hard ? budget.AmountUsd : null, window.End),
                new Admission.Part(Admission.PartKind.Budget, budget, null, target, window.Start, window.End));
        }

        var minute = new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerMinute), TimeSpan.Zero);
        var minuteEnd = minute.AddMinutes(1);
        foreach (var limit in book.RateLimits)
        {
            if (LimitTarget(limit, record, context) is not { } target)
            {
                continue;
            }

            var prefix = string.Create(CultureInfo.InvariantCulture, $"{limit.Id}:{target}");
            var stamp = minute.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
            if (limit.RequestsPerMinute is { } rpm)
            {
                Add(ref checks, ref parts, new CounterCheck($"rpm:{prefix}:{stamp}", 1, rpm, minuteEnd),
                    new Admission.Part(Admission.PartKind.Requests, null, limit, target, minute, minuteEnd));
            }

            if (limit.TokensPerMinute is { } tpm)
            {
                reserve ??= Reserve(context);
                Add(ref checks, ref parts, new CounterCheck($"tpm:{prefix}:{stamp}", reserve.Value.Tokens, tpm, minuteEnd),
                    new Admission.Part(Admission.PartKind.Tokens, null, limit, target, minute, minuteEnd));
            }

            if (limit.MaxConcurrent is { } concurrent)
            {
                Add(ref checks, ref parts, new CounterCheck($"concurrent:{prefix}", 1, concurrent, null),
                    new Admission.Part(Admission.PartKind.Concurrent, null, limit, target, minute, null));
            }
        }

        return checks is null ? null : new Admission(this, checks, parts!);
    }

    private static void Add(ref List<CounterCheck>? checks, ref List<Admission.Part>? parts, CounterCheck check, Admission.Part part)
    {
        (checks ??= []).Add(check);
        (parts ??= []).Add(part);
    }

    private static string? BudgetTarget(Budget budget, UsageRecord record)
    {
        var value = budget.Scope switch
        {
            BudgetScope.Key => record.KeyId,
            BudgetScope.Team => record.Team,
            BudgetScope.Session => record.SessionId,
            BudgetScope.Tag => record.HasTag(budget.Target) ? budget.Target : null,
            _ => null,
        };
        return value is not null && (budget.Target == Budget.EachTarget || string.Equals(budget.Target, value, StringComparison.Ordinal)) ? value : null;
    }

    /// <summary>
    /// Whom the request counts for under a rate limit, or null when the limit is not for it. A limit on one target
    /// counts everything it matches under that one target, so names that differ only in case share its counter.
    /// </summary>
    private static string? LimitTarget(RateLimit limit, UsageRecord record, GatewayContext context)
    {
        if (limit.Scope == RateLimitScope.Model)
        {
            return ModelLimitTarget(limit, context);
        }

        var value = limit.Scope switch
        {
            RateLimitScope.Key => record.KeyId,
            RateLimitScope.Team => record.Team,
            _ => null,
        };
        return value is null ? null
            : limit.Target == Budget.EachTarget ? value
            : string.Equals(limit.Target, value, StringComparison.OrdinalIgnoreCase) ? limit.Target : null;
    }

    /// <summary>
    /// A model limit matches the name the client sent or the upstream model it resolved to, case-insensitively, so a
    /// limit on <c>gpt-4o</c> also holds <c>openai/gpt-4o</c> and any alias served by gpt-4o. A <c>*</c> limit counts
    /// each upstream model separately, whatever name reached it.
    /// </summary>
    private static string? ModelLimitTarget(RateLimit limit, GatewayContext context)
    {
        var requested = context.Deployment?.Name ?? context.Request.Model;
        var upstream = context.Deployment?.UpstreamModel ?? requested;
        if (limit.Target == Budget.EachTarget)
        {
            return upstream.ToLowerInvariant();
        }

        // On a route, the name the client sent is the route's; the deployment is its primary.
        return string.Equals(limit.Target, context.Request.Model, StringComparison.OrdinalIgnoreCase)
            || string.Equals(limit.Target, requested, StringComparison.OrdinalIgnoreCase)
            || string.Equals(limit.Target, upstream, StringComparison.OrdinalIgnoreCase) ? limit.Target : null;
    }

    /// <summary>
    /// The most the request can cost. Priced by the hour: the hourly cost for the longest call (the endpoint never
    /// bills more time than that). Priced by token: its prompt counted with the model's tokenizer and its output at
    /// the bound it set (else the model's output limit), each at the dearest rate that can apply to it, at the prices of
    /// the processing tier it asks for (<c>service_tier</c>; one that asks for none is reserved at the standard prices, as
    /// OpenAI serves it unless its project's default tier says otherwise), with the web searches it allows (a search model's
    /// one, at the search context size it asks for).
    /// </summary>
    private ReservedCost Reserve(GatewayContext context)
    {
        var request = context.Request;
        var prompt = context.PromptTokens(context.Deployment?.UpstreamModel ?? request.Model);
        long OutputBound(ModelDeployment? d) =>
            request.Api == ApiKind.Embeddings ? 0 : request.Choices * Math.Min(request.MaxOutputTokens ?? d?.Price.MaxOutputTokens ?? DefaultOutputBound, TokenUsage.MaxCount);
        decimal CostBound(ModelDeployment d) => d.CostPerHourUsd is not null ? d.Cost(default, longestCall.TotalMilliseconds) : d.Price.MostCost(prompt, OutputBound(d), request.ServiceTier,
            d.MostWebSearches(request) ?? 0, request.SearchContextSize);

        if (context.Route is { } route)
        {
            // Any of the route's deployments may answer (a cascade may pay each): the route bounds it.
            return new ReservedCost(route.Bound(CostBound), prompt + route.Targets.Max(t => OutputBound(t.Deployment)),
                route.Targets.Select(t => Unbounded(request, t.Deployment)).FirstOrDefault(e => e is not null));
        }

        return context.Deployment is { } deployment
            ? new ReservedCost(CostBound(deployment), prompt + OutputBound(deployment), Unbounded(request, deployment))
            : new ReservedCost(0m, prompt + OutputBound(null), null);
    }

    /// <summary>
    /// Why the most <paramref name="deployment"/> can cost for <paramref name="request"/> is unknown, or null when it is
    /// known: a model no price is known for reserves nothing and costs nothing (nor do the searches of a search model whose
    /// searches have no price, or of a model asked to search by <c>web_search_options</c>), a web search tool without
    /// <c>max_uses</c> (a Responses API request without <c>max_tool_calls</c>) on a model that bills each search allows any
    /// number of them, and so does <c>web_search_options</c> on a Gemini model that bills each search query.
    /// </summary>
    private static GatewayError? Unbounded(LlmRequest request, ModelDeployment deployment)
    {
        if (!deployment.Priced)
        {
            return new GatewayError(403, "permission_error", "model_not_priced",
                $"no price is known for {deployment.Provider}/{deployment.UpstreamModel}, so its cost cannot be reserved or counted. "
                + "Give the model a price: input_cost_per_token and output_cost_per_token on its entry in models, or an entry in pricing.overrides_file.", "model");
        }

        var searchesEveryCall = deployment.SearchesEveryCall(request.Api);
        if ((searchesEveryCall || request.WebSearchOptions) && !deployment.PricesSearchesAt(request.SearchContextSize))
        {
            return new GatewayError(403, "permission_error", "model_not_priced",
                $"no web search price is known for {deployment.Provider}/{deployment.UpstreamModel}, "
                + (searchesEveryCall ? "which searches the web on every call" : "which the request asks to search the web (web_search_options)")
                + ", so its cost cannot be reserved or counted. Give its entry in pricing.overrides_file a search_context_cost_per_query.", "model");
        }

        if (deployment.MostWebSearches(request) is not null || deployment.CostPerHourUsd is not null
            || deployment.Price.WebSearchPrice(request.SearchContextSize) is not { } each || each <= 0)
        {
            return null;
        }

        if (request.MaxWebSearches is not null)
        {
            return GatewayError.InvalidRequest(
                $"{deployment.Provider}/{deployment.UpstreamModel} bills each search query of a grounded answer (${each.ToString(CultureInfo.InvariantCulture)} each), "
                + "and nothing in its API bounds how many it runs, so a hard budget cannot reserve web_search_options on it. "
                + "Use a model billed once per grounded answer (Gemini 2.x) or a soft budget.",
                "web_search_unbounded", "web_search_options");
        }

        // The Responses API bounds built-in tool calls per request (max_tool_calls); Anthropic bounds each tool (max_uses).
        var bound = request.Api == ApiKind.Responses ? "max_tool_calls" : "max_uses";
        return GatewayError.InvalidRequest(string.Create(CultureInfo.InvariantCulture,
            $"a web search tool without {bound} allows any number of searches at ${each} each. Set {bound}."),
            "web_search_unbounded", "tools");
    }

    private GatewayResponse Reject(GatewayContext context, Admission admission, CounterResult result)
    {
        var part = admission.Parts[result.FailedIndex];
        var check = admission.Checks[result.FailedIndex];
        var now = time.GetUtcNow();
        var current = result.Values[result.FailedIndex];
        var resets = part.WindowEnd is { } end ? $" It resets at {end.ToUniversalTime():yyyy-MM-dd'T'HH:mm:ss'Z'}." : "";
        var retryAfter = part.WindowEnd is { } e ? (long)Math.Ceiling((e - now).TotalSeconds) : part.Kind == Admission.PartKind.Concurrent ? 1 : (long?)null;
        if (retryAfter is { } seconds)
        {
            context.AddResponseHeader("retry-after", seconds.ToString(CultureInfo.InvariantCulture));
        }

        AddHeaders(context, admission, result.Values);
        var inv = CultureInfo.InvariantCulture;
        GatewayError error = part.Kind switch
        {
            Admission.PartKind.Budget => new GatewayError(429, "insufficient_quota", "budget_exceeded", string.Create(inv,
                $"Budget exceeded: the {part.Budget!.Describe()} allows ${part.Budget.AmountUsd}; ${current:0.######} is spent or reserved and this request may cost up to ${check.Amount:0.######}.{resets}")),
            Admission.PartKind.Requests => new GatewayError(429, "requests", "rate_limit_exceeded", string.Create(inv,
                $"Rate limit reached: the {part.Limit!.Describe()} allows {check.Limit} requests per minute; {current} were made.{resets}")),
            Admission.PartKind.Tokens => new GatewayError(429, "tokens", "rate_limit_exceeded", string.Create(inv,
                $"Rate limit reached: the {part.Limit!.Describe()} allows {check.Limit} tokens per minute; {current} are used or reserved and this request may use up to {check.Amount}.{resets}")),
            _ => new GatewayError(429, "requests", "rate_limit_exceeded", string.Create(inv,
                $"Rate limit reached: the {part.Limit!.Describe()} allows {check.Limit} concurrent requests; retry when one finishes.")),
        };
        return GatewayResponse.Fail(error);
    }

    /// <summary>OpenAI-style <c>x-ratelimit-*</c> headers for the tightest request and token limits, and soft-budget warnings.</summary>
    private void AddHeaders(GatewayContext context, Admission admission, decimal[] values)
    {
        var now = time.GetUtcNow();
        (decimal Remaining, decimal Limit, DateTimeOffset Reset)? requests = null, tokens = null;
        for (var i = 0; i < admission.Parts.Count; i++)
        {
            var part = admission.Parts[i];
            var check = admission.Checks[i];
            switch (part.Kind)
            {
                case Admission.PartKind.Requests or Admission.PartKind.Tokens:
                    var remaining = Math.Max(0, check.Limit!.Value - values[i]);
                    ref var tightest = ref part.Kind == Admission.PartKind.Requests ? ref requests : ref tokens;
                    if (tightest is null || remaining < tightest.Value.Remaining)
                    {
                        tightest = (remaining, check.Limit.Value, part.WindowEnd!.Value);
                    }

                    break;
                case Admission.PartKind.Budget when part.Budget!.Mode == BudgetMode.Soft && values[i] > part.Budget.AmountUsd:
                    context.AddResponseHeader(WarningHeader, string.Create(CultureInfo.InvariantCulture,
                        $"{part.Budget.Describe()} is over its ${part.Budget.AmountUsd} (${values[i]:0.######} spent or reserved)"));
                    break;
            }
        }

        Write(context, "requests", requests, now);
        Write(context, "tokens", tokens, now);

        static void Write(GatewayContext context, string what, (decimal Remaining, decimal Limit, DateTimeOffset Reset)? limit, DateTimeOffset now)
        {
            if (limit is not { } l)
            {
                return;
            }

            var inv = CultureInfo.InvariantCulture;
            context.AddResponseHeader($"x-ratelimit-limit-{what}", l.Limit.ToString("0", inv));
            context.AddResponseHeader($"x-ratelimit-remaining-{what}", l.Remaining.ToString("0", inv));
            context.AddResponseHeader($"x-ratelimit-reset-{what}", Math.Ceiling(Math.Max(0, (l.Reset - now).TotalSeconds)).ToString("0", inv) + "s");
        }
    }

    /// <summary>Gives back what was reserved beyond the real usage, and alerts on thresholds the settled spend crossed.</summary>
    internal async ValueTask SettleAsync(Admission admission, decimal costUsd, long tokens)
    {
        var changes = new List<CounterCheck>(admission.Checks.Count + 2);
        List<(Admission.Part Part, CounterCheck Check, int SpentIndex)>? budgets = null;
        for (var i = 0; i < admission.Parts.Count; i++)
        {
            var part = admission.Parts[i];
            var check = admission.Checks[i];
            switch (part.Kind)
            {
                case Admission.PartKind.Budget:
                    changes.Add(check with { Amount = costUsd - check.Amount, Limit = null });
                    (budgets ??= []).Add((part, check, changes.Count));
                    changes.Add(check with { Key = SpentKey(check.Key), Amount = costUsd, Limit = null });
                    break;
                case Admission.PartKind.Tokens:
                    changes.Add(check with { Amount = tokens - check.Amount, Limit = null });
                    break;
                case Admission.PartKind.Concurrent:
                    changes.Add(check with { Amount = -1, Limit = null });
                    break;
            }
        }

        if (changes.Count == 0)
        {
            return;
        }

        var values = await counters.AddAsync(changes);
        if (costUsd <= 0 || budgets is null)
        {
            return;
        }

        foreach (var (part, check, spentIndex) in budgets)
        {
            var budget = part.Budget!;
            var spent = values[spentIndex];
            var before = spent - costUsd;
            foreach (var percent in budget.AlertPercents)
            {
                var threshold = budget.AmountUsd * percent / 100m;
                if (before < threshold && spent >= threshold && (percent != 100 || await FirstExhaustionAsync(check)))
                {
                    alerts.Post(Alert(part, percent, spent));
                }
            }
        }
    }

    /// <summary>
    /// A hard budget refusing a request is exhausted, so it raises its 100 % alert, though settled spend may never reach
    /// the amount (admission keeps it below): once per window and target, whether it is refused once or many times.
    /// </summary>
    private async ValueTask AlertRefusedAsync(Admission.Part part, CounterCheck check)
    {
        if (!part.Budget!.AlertPercents.Contains(100) || !await FirstExhaustionAsync(check))
        {
            return;
        }

        var spent = (await counters.AddAsync([new CounterCheck(SpentKey(check.Key), 0, null, check.ExpiresAt)]))[0]; // adding nothing reads it
        alerts.Post(Alert(part, 100, spent) with { Refused = true });
    }

    /// <summary>
    /// Whether this is the first time the budget's window is exhausted, for its 100 % alert: a counter of its own,
    /// added to atomically like the rest, so concurrent refusals and a settlement reaching 100 % raise it once between them.
    /// </summary>
    private async ValueTask<bool> FirstExhaustionAsync(CounterCheck budgetCheck) =>
        (await counters.TryAddAsync([new CounterCheck("exhausted:" + budgetCheck.Key, 1, 1, budgetCheck.ExpiresAt)])).Admitted;

    private BudgetAlert Alert(Admission.Part part, int percent, decimal spentUsd)
    {
        var budget = part.Budget!;
        return new BudgetAlert(budget.Id, budget.Scope, part.Target, budget.Period, budget.Mode, percent, budget.AmountUsd, spentUsd,
            part.WindowStart, part.WindowEnd, time.GetUtcNow());
    }

    /// <summary>Adds spend recorded before the gateway started (read from the usage log) to a budget's current window.</summary>
    public async ValueTask SeedAsync(Budget budget, string target, decimal spentUsd)
    {
        var window = BudgetWindow.Of(budget.Period, time.GetUtcNow(), zone);
        var key = BudgetKey(budget, target, window);
        await counters.AddAsync([new CounterCheck(key, spentUsd, null, window.End), new CounterCheck(SpentKey(key), spentUsd, null, window.End)]);
    }

    /// <summary>Spent and reserved USD in a budget's current window for one target.</summary>
    public async ValueTask<decimal> CurrentAsync(Budget budget, string target)
    {
        var window = BudgetWindow.Of(budget.Period, time.GetUtcNow(), zone);
        var key = BudgetKey(budget, target, window);
        return (await counters.AddAsync([new CounterCheck(key, 0, null, window.End)]))[0]; // adding nothing reads the value
    }

    /// <summary>The counter of spent and reserved USD for one budget target in one window.</summary>
    private static string BudgetKey(Budget budget, string target, BudgetWindow window) =>
        string.Create(CultureInfo.InvariantCulture, $"budget:{budget.Id}:{target}:{window.Start.ToUnixTimeSeconds()}");

    /// <summary>The counter of settled USD alone beside a budget counter: alerts fire on what was spent, never on what was only reserved.</summary>
    private static string SpentKey(string budgetKey) => "spent:" + budgetKey;

    /// <param name="Unbounded">Why the cost has no bound, when it has none (see <see cref="Unbounded(LlmRequest, ModelDeployment)"/>).</param>
    private readonly record struct ReservedCost(decimal Usd, long Tokens, GatewayError? Unbounded);
}
