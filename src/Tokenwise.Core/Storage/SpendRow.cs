namespace Tokenwise.Storage;

/// <summary>One group of a spend report.</summary>
/// <param name="Unpriced">Calls to a model no price was known for: counted at 0 in <paramref name="CostUsd"/>, so the spend is more than it says.</param>
/// <param name="WebSearchRequests">The web searches providers ran for the group's calls, each priced apart (within <paramref name="CostUsd"/>).</param>
public sealed record SpendRow(
    string Group,
    long Requests,
    long Failed,
    long InputTokens,
    long CachedInputTokens,
    long CacheWriteTokens,
    long OutputTokens,
    long ReasoningTokens,
    decimal CostUsd,
    long Unpriced = 0,
    long WebSearchRequests = 0)
{
    /// <summary>The rows added up into one group: a report's total, or finer groups merged.</summary>
    public static SpendRow Sum(string group, IEnumerable<SpendRow> rows)
    {
        var total = new SpendRow(group, 0, 0, 0, 0, 0, 0, 0, 0m);
        foreach (var r in rows)
        {
            total = new SpendRow(group, total.Requests + r.Requests, total.Failed + r.Failed, total.InputTokens + r.InputTokens,
                total.CachedInputTokens + r.CachedInputTokens, total.CacheWriteTokens + r.CacheWriteTokens, total.OutputTokens + r.OutputTokens, total.ReasoningTokens + r.ReasoningTokens,
                total.CostUsd + r.CostUsd, total.Unpriced + r.Unpriced, total.WebSearchRequests + r.WebSearchRequests);
        }

        return total;
    }
}
