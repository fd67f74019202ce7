using Tokenwise.Caching;
using Tokenwise.Metering;
using Tokenwise.Pipeline;

namespace Tokenwise.Endpoints;

/// <summary>What every dialect's endpoint does with the pipeline stages' side results, so no endpoint can forget one.</summary>
internal static class StageResults
{
    /// <summary>Headers the stages set: rate-limit state, budget warnings, retry-after on a rejection.</summary>
    public static void WriteHeaders(HttpContext http, GatewayContext context)
    {
        if (context.ResponseHeaders is { } headers)
        {
            foreach (var (name, value) in headers)
            {
                http.Response.Headers.Append(name, value);
            }
        }
    }

    /// <summary>
    /// Counts the record's web searches as they are billed (<see cref="ModelDeployment.WithSearchesRun"/>). Called once the
    /// provider has answered, before the answer is cached, so that a hit's saving counts the searches too.
    /// </summary>
    public static void CountSearches(GatewayContext context)
    {
        if (context.Deployment is { } deployment)
        {
            context.Record.Usage = deployment.WithSearchesRun(context.Record.Usage, context.Request);
        }
    }

    /// <summary>
    /// Sets the record's cost from its final usage. A cache hit costs nothing: it carries the stored
    /// answer's usage, and what that would cost now is recorded as saved instead.
    /// </summary>
    public static decimal Price(GatewayContext context, ResponseCache cache, double upstreamMilliseconds)
    {
        var record = context.Record;
        if (record.Usage.ServiceTier is null && context.Request.ServiceTier is { } asked)
        {
            // The answer names the tier it was served at; where it named none (or there was no answer to read), the
            // tier the request asked for is the best account of it.
            record.Usage = record.Usage with { ServiceTier = asked };
        }

        var cost = context.Deployment is { } deployment ? deployment.Cost(record.Usage, upstreamMilliseconds) : 0m;
        record.Unpriced = context.Deployment is { } priced && !priced.Prices(record.Usage);
        if (context.Cache is { Hit: { } hit } state)
        {
            if (!state.Priced)
            {
                state.Priced = true;
                record.Usage = hit.Usage;
                record.Estimated = hit.Estimated;
                record.SavedUsd = context.Deployment is { } d ? d.Price.Cost(hit.Usage) : 0m;
                cache.AddSavings(record.SavedUsd);
            }

            return record.CostUsd = 0m;
        }

        if (context.Route is { } route)
        {
            // The same tokens at the baseline's price: what not routing would have cost (tokenizers differ a little between models).
            record.CounterfactualUsd = route.Baseline.Deployment.Cost(record.Usage, upstreamMilliseconds);
        }

        return record.CostUsd = cost;
    }

    /// <summary>Logs the final record and settles the budget and rate-limit reservation with it.</summary>
    public static async ValueTask CompleteAsync(UsageLog usageLog, UsageRecord record, GatewayContext? context)
    {
        usageLog.Enqueue(record);
        var cost = record.CostUsd;
        var tokens = record.Usage.TotalTokens;
        foreach (var extra in context?.ExtraRecords ?? [])
        {
            usageLog.Enqueue(extra);
            cost += extra.CostUsd;
            tokens += extra.Usage.TotalTokens;
        }

        if (context?.Admission is { } admission)
        {
            await admission.SettleAsync(cost, tokens);
        }
    }
}
