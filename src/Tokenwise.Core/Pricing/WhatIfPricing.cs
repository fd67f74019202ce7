using Tokenwise.Storage;

namespace Tokenwise.Pricing;

/// <summary>
/// Re-prices the calls in the usage log as if they had been served by other models (<paramref name="models"/>, billed
/// model → what-if model) or at other prices (<paramref name="prices"/>, entries in LiteLLM's schema that replace or add
/// to <paramref name="catalog"/>), each call priced whole as the gateway prices one (long-context rates, service tiers,
/// cache reads and writes, searches). Tokens stay as they were: another model's tokenizer would count them a little
/// differently. A call neither a mapping nor the new prices concern keeps the cost it was billed.
/// </summary>
public sealed class WhatIfPricing
{
    private readonly IReadOnlyDictionary<string, string> _models;
    private readonly PriceCatalog? _prices;
    private readonly PriceCatalog _whatIf;

    /// <exception cref="ArgumentException">A what-if model has no price in the catalog (or the new prices); the message names it.</exception>
    public WhatIfPricing(PriceCatalog catalog, IReadOnlyDictionary<string, string> models, PriceCatalog? prices)
    {
        _models = models;
        _prices = prices;
        _whatIf = prices is null ? catalog : catalog.With(prices);
        foreach (var (from, to) in models)
        {
            if (_whatIf.Find(to) is null)
            {
                throw new ArgumentException($"'{to}' (for {from}) has no price in the catalog{(prices is null ? "" : " or the new prices")}.");
            }
        }
    }

    /// <summary>Reads mappings written as <c>FROM=TO</c> (a billed model and the model to price its calls at); false at the first that is not, given in <paramref name="bad"/>.</summary>
    public static bool TryParseMappings(IEnumerable<string> pairs, out Dictionary<string, string> models, out string? bad)
    {
        models = new Dictionary<string, string>(StringComparer.Ordinal);
        bad = null;
        foreach (var pair in pairs)
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0 || equals == pair.Length - 1)
            {
                bad = pair;
                return false;
            }

            models[pair[..equals]] = pair[(equals + 1)..];
        }

        return true;
    }

    public async Task<IReadOnlyList<WhatIfRow>> RepriceAsync(IAsyncEnumerable<BilledCall> calls, CancellationToken cancellationToken = default)
    {
        var rows = new Dictionary<(string Model, string WhatIfModel), WhatIfRow>();
        await foreach (var call in calls.WithCancellation(cancellationToken))
        {
            var price = _models.TryGetValue(call.Model, out var whatIfModel) ? _whatIf.Find(whatIfModel) : _prices?.Find(call.Model);
            whatIfModel ??= call.Model;
            var key = (call.Model, whatIfModel);
            var row = rows.GetValueOrDefault(key) ?? new WhatIfRow(call.Model, whatIfModel, 0, 0, 0, 0, 0m, 0m);
            rows[key] = row with
            {
                Calls = row.Calls + 1,
                Repriced = row.Repriced + (price is null ? 0 : 1),
                InputTokens = row.InputTokens + call.Usage.InputTokens,
                OutputTokens = row.OutputTokens + call.Usage.OutputTokens,
                CostUsd = row.CostUsd + call.CostUsd,
                WhatIfUsd = row.WhatIfUsd + (price?.Cost(call.Usage) ?? call.CostUsd),
            };
        }

        return [.. rows.Values.OrderByDescending(r => r.CostUsd).ThenBy(r => r.Model, StringComparer.Ordinal)];
    }
}
