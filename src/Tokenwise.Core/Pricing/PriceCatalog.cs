using System.Collections.Frozen;
using System.Reflection;
using System.Text.RegularExpressions;

namespace Tokenwise.Pricing;

/// <summary>
/// Model prices by catalog key. Keys follow LiteLLM: a bare model name (<c>gpt-4o-mini</c>) or a
/// provider-prefixed one (<c>azure/gpt-4o</c>).
/// </summary>
public sealed partial class PriceCatalog
{
    private const string EmbeddedResourceName = "Tokenwise.catalog.json";
    private static readonly Lazy<PriceCatalog> s_embedded = new(LoadEmbedded);

    private readonly FrozenDictionary<string, ModelPrice> _prices;

    public PriceCatalog(IEnumerable<ModelPrice> prices)
    {
        var byKey = new Dictionary<string, ModelPrice>(StringComparer.OrdinalIgnoreCase);
        foreach (var price in prices)
        {
            byKey[price.Key] = price;
        }

        _prices = byKey.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>The catalog shipped inside Tokenwise (see docs/pricing.md for how it is built).</summary>
    public static PriceCatalog Embedded => s_embedded.Value;

    public int Count => _prices.Count;

    public IEnumerable<ModelPrice> Entries => _prices.Values;

    /// <summary>
    /// The price of <paramref name="model"/> as served by <paramref name="provider"/>: first the
    /// provider-prefixed key (<c>openai/gpt-4o</c>), then the bare model name.
    /// </summary>
    public ModelPrice? Find(string model, string? provider = null)
    {
        if (provider is not null && _prices.TryGetValue($"{provider}/{model}", out var prefixed))
        {
            return prefixed;
        }

        return _prices.GetValueOrDefault(model);
    }

    /// <summary>This catalog with <paramref name="overrides"/>' entries replacing or adding to its own.</summary>
    public PriceCatalog With(PriceCatalog overrides) => new(_prices.Values.Concat(overrides._prices.Values));

    /// <summary>
    /// This catalog where a dated snapshot (<c>gpt-4o-search-preview-2025-03-11</c>) that prices no web search takes the
    /// search prices of its model (<c>gpt-4o-search-preview</c>, same provider). LiteLLM's file lists them on the undated
    /// name only, though both names are the same model billed alike; without them a snapshot's searches would cost nothing.
    /// </summary>
    public PriceCatalog WithSnapshotSearchPrices() => new(_prices.Values.Select(price =>
        price.WebSearchPerRequest is null && SnapshotDate().Match(price.Key) is { Success: true } dated
            && _prices.GetValueOrDefault(price.Key[..dated.Index]) is { WebSearchPerRequest: not null } model
            && model.LitellmProvider == price.LitellmProvider
            ? price with
            {
                WebSearchPerRequest = model.WebSearchPerRequest,
                WebSearchLowContextPerRequest = model.WebSearchLowContextPerRequest,
                WebSearchHighContextPerRequest = model.WebSearchHighContextPerRequest,
                WebSearchPerQuery = model.WebSearchPerQuery,
            }
            : price));

    [GeneratedRegex(@"-\d{4}-\d{2}-\d{2}$")]
    private static partial Regex SnapshotDate();

    private static PriceCatalog LoadEmbedded()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(EmbeddedResourceName)
            ?? throw new InvalidOperationException($"The embedded price catalog '{EmbeddedResourceName}' is missing.");
        return LiteLlmCatalogFormat.Read(stream);
    }
}
