using Tokenwise.Metering;
using Tokenwise.Pricing;

namespace Tokenwise.Pipeline;

/// <summary>Where a client-facing model name is served: a provider, the model name it knows, and the price.</summary>
/// <param name="Name">The name clients use.</param>
/// <param name="Provider">The configured provider's name.</param>
/// <param name="UpstreamModel">The model name sent to the provider.</param>
/// <param name="Price">What a token costs; <see cref="ModelPrice.Free"/> when unpriced or local.</param>
/// <param name="Priced">False when neither the catalog nor the config knows a price (by the token or the hour), so cost reads as zero.</param>
public sealed record ModelDeployment(string Name, string Provider, string UpstreamModel, ModelPrice Price, bool Priced = true)
{
    private const decimal MillisecondsPerHour = 3_600_000m;

    /// <summary>
    /// This deployment's own timeouts, set by a route's deployment (<c>first_byte_timeout_seconds</c>,
    /// <c>total_timeout_seconds</c>) so a slow primary gives way to its fallback sooner; null: the gateway's.
    /// </summary>
    public UpstreamTimeouts? Timeouts { get; init; }

    /// <summary>Served by a local provider (see <see cref="ProviderInfo.Local"/>).</summary>
    public bool Local { get; init; }

    /// <summary>When set, a request costs this × the upstream's busy time on it / one hour, whatever its tokens.</summary>
    public decimal? CostPerHourUsd { get; init; }

    /// <summary>
    /// Whether a call on <paramref name="api"/> runs one web search before it answers, billed per call though the answer
    /// does not report it: OpenAI's Chat Completions search models (gpt-4o-search-preview, gpt-4o-mini-search-preview,
    /// gpt-5-search-api and their snapshots) search on every call, also when an Anthropic-dialect client reaches one through
    /// the translation. (Embeddings models of old had "-search-" in their names too.)
    /// </summary>
    public bool SearchesEveryCall(ApiKind api) =>
        api is ApiKind.ChatCompletions or ApiKind.Messages && UpstreamModel.Contains("-search-", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The most web searches <paramref name="request"/> can be billed for here, or null when nothing bounds them: its tools'
    /// bound (<see cref="LlmRequest.MaxWebSearches"/>), plus a search model's search on every call, or, for
    /// <c>web_search_options</c> on another model, one (Claude's web search tool, translated with <c>max_uses: 1</c>; a
    /// Gemini 2.x answer grounded with Google Search, billed once), or any number where each search query is billed
    /// (<see cref="ModelPrice.WebSearchPerQuery"/>: Gemini 3).
    /// </summary>
    public long? MostWebSearches(LlmRequest request) => request.MaxWebSearches switch
    {
        null => null,
        var tools when SearchesEveryCall(request.Api) => tools + 1,
        var tools when !request.WebSearchOptions => tools,
        _ when Price.WebSearchPerQuery => null,
        var tools => tools + 1,
    };

    /// <summary>
    /// <paramref name="usage"/> with the web searches it ran here as they are billed: the search a model that searches before
    /// every answer ran (<see cref="SearchesEveryCall"/>), which its answer does not report, and, for any searches, the search
    /// context size <paramref name="request"/> asked for, which prices them.
    /// </summary>
    public TokenUsage WithSearchesRun(TokenUsage usage, LlmRequest request)
    {
        if (usage.WebSearchRequests == 0 && SearchesEveryCall(request.Api))
        {
            usage = usage with { WebSearchRequests = 1 };
        }

        return usage.WebSearchRequests > 0 && usage.SearchContextSize is null ? usage with { SearchContextSize = request.SearchContextSize } : usage;
    }

    /// <summary>
    /// Whether every part of <paramref name="usage"/> has a price here: the tokens (<see cref="Priced"/>) and any web searches,
    /// which a catalog entry may leave unpriced (gpt-5-search-api's). A local or hourly-priced deployment prices all it does.
    /// </summary>
    public bool Prices(in TokenUsage usage) => Priced && (usage.WebSearchRequests == 0 || PricesSearchesAt(usage.SearchContextSize));

    /// <summary>Whether a web search at <paramref name="searchContextSize"/> has a price here (null: medium).</summary>
    public bool PricesSearchesAt(string? searchContextSize) =>
        Local || CostPerHourUsd is not null || Price.WebSearchPrice(searchContextSize) is not null;

    /// <summary>A deployment of <paramref name="upstreamModel"/> on <paramref name="provider"/>, priced from the catalog.</summary>
    public static ModelDeployment FromCatalog(string name, ProviderInfo provider, string upstreamModel, PriceCatalog catalog) =>
        On(provider, name, upstreamModel, catalog.Find(upstreamModel, provider.CatalogProvider));

    /// <summary>
    /// A deployment on <paramref name="provider"/> at <paramref name="price"/> (null: unpriced). A local
    /// provider's tokens are free whatever the catalog says; it may be priced by the hour instead.
    /// </summary>
    public static ModelDeployment On(ProviderInfo provider, string name, string upstreamModel, ModelPrice? price) =>
        new(name, provider.Name, upstreamModel, provider.Local || price is null ? ModelPrice.Free(upstreamModel) : price,
            provider.Local || price is not null || provider.CostPerHourUsd is not null)
        {
            Local = provider.Local,
            CostPerHourUsd = provider.CostPerHourUsd,
        };

    /// <summary>
    /// What one request cost: its tokens at <see cref="Price"/>, or, with <see cref="CostPerHourUsd"/>, the
    /// hourly cost × <paramref name="upstreamMilliseconds"/> (the time the upstream spent on the request),
    /// rounded to the pico-dollar the usage log stores.
    /// </summary>
    public decimal Cost(TokenUsage usage, double upstreamMilliseconds) => CostPerHourUsd is { } perHour
        ? decimal.Round(perHour * (decimal)upstreamMilliseconds / MillisecondsPerHour, 12, MidpointRounding.ToEven)
        : Price.Cost(usage);
}
