using Tokenwise.Metering;

namespace Tokenwise.Pricing;

/// <summary>
/// One entry of the price catalog, holding the fields of LiteLLM's schema that Tokenwise prices with.
/// All prices are USD per token.
/// </summary>
public sealed record ModelPrice
{
    public required string Key { get; init; }
    public string? LitellmProvider { get; init; }
    public string? Mode { get; init; }
    public long? MaxInputTokens { get; init; }
    public long? MaxOutputTokens { get; init; }
    public decimal InputPerToken { get; init; }
    public decimal OutputPerToken { get; init; }
    /// <summary>Price of a prompt token read from the provider's prompt cache; null means the input price.</summary>
    public decimal? CacheReadPerToken { get; init; }
    /// <summary>Price of a prompt token written to the provider's prompt cache (5-minute TTL); null means the input price.</summary>
    public decimal? CacheWritePerToken { get; init; }
    /// <summary>Price of a prompt token written to the prompt cache with a one-hour TTL; null means the 5-minute write price.</summary>
    public decimal? CacheWrite1hPerToken { get; init; }
    /// <summary>Price of a reasoning token; null means the output price (OpenAI bills reasoning as output).</summary>
    public decimal? ReasoningPerToken { get; init; }
    /// <summary>Price of an audio prompt token (<see cref="TokenUsage.AudioInputTokens"/>); null means the input price.</summary>
    public decimal? AudioInputPerToken { get; init; }
    /// <summary>Price of a generated audio token (<see cref="TokenUsage.AudioOutputTokens"/>); null means the output price.</summary>
    public decimal? AudioOutputPerToken { get; init; }
    /// <summary>
    /// Price of one web search the provider ran (<see cref="TokenUsage.WebSearchRequests"/>) at the medium search context
    /// size, the providers' default; null: none is priced.
    /// </summary>
    public decimal? WebSearchPerRequest { get; init; }
    /// <summary>Price of one web search at the low search context size (<see cref="TokenUsage.SearchContextSize"/>); null: the medium one.</summary>
    public decimal? WebSearchLowContextPerRequest { get; init; }
    /// <summary>Price of one web search at the high search context size; null: the medium one.</summary>
    public decimal? WebSearchHighContextPerRequest { get; init; }
    /// <summary>
    /// Whether the web search price is per search query the model ran rather than per call that searched: LiteLLM's
    /// <c>web_search_billing_unit: per_query</c>, on the Gemini 3 models, which Google bills for every query of a grounded
    /// answer. Where it is false, Gemini (2.x) bills a grounded answer once, however many queries it ran; other providers
    /// report each search they bill.
    /// </summary>
    public bool WebSearchPerQuery { get; init; }
    /// <summary>Long-context tiers, ascending by threshold.</summary>
    public IReadOnlyList<PriceTier> Tiers { get; init; } = [];

    /// <summary>
    /// The prices of other processing tiers, by <see cref="TokenUsage.ServiceTier"/> name: <c>flex</c> and <c>priority</c>
    /// (LiteLLM's <c>*_flex</c> and <c>*_priority</c> fields, long-context tiers included). A tier not listed here is
    /// priced at these prices.
    /// </summary>
    public IReadOnlyDictionary<string, ModelPrice> ServiceTierPrices { get; init; } = s_noServiceTiers;

    private static readonly IReadOnlyDictionary<string, ModelPrice> s_noServiceTiers = new Dictionary<string, ModelPrice>();

    /// <summary>
    /// The dearest a token (or a web search) may be priced: a dollar, over a thousand times the dearest model sold. A price
    /// past it, or below zero, is a slip in a price file (dollars per million taken for dollars per token); billed, it would
    /// price calls at millions of dollars, past what the usage log stores, or credit the spend.
    /// </summary>
    public const decimal MaxPrice = 1m;

    /// <summary>Whether <paramref name="price"/> can be a price per token (or per web search): 0 to <see cref="MaxPrice"/>.</summary>
    public static bool IsPrice(decimal price) => price is >= 0 and <= MaxPrice;

    /// <summary>Every price of the entry: per token, per web search, of its long-context and processing tiers.</summary>
    public IEnumerable<decimal> AllPrices() =>
        new decimal?[] { InputPerToken, OutputPerToken, CacheReadPerToken, CacheWritePerToken, CacheWrite1hPerToken, ReasoningPerToken,
                AudioInputPerToken, AudioOutputPerToken, WebSearchPerRequest, WebSearchLowContextPerRequest, WebSearchHighContextPerRequest }
            .Concat(Tiers.SelectMany(t => new[] { t.InputPerToken, t.OutputPerToken, t.CacheReadPerToken, t.CacheWritePerToken, t.CacheWrite1hPerToken }))
            .OfType<decimal>()
            .Concat(ServiceTierPrices.Values.SelectMany(p => p.AllPrices()));

    /// <summary>
    /// These prices with the given ones (null: unchanged) in force at every prompt size: a long-context tier no longer
    /// reprices a kind of token that was set here, while it still reprices the others. Without that, a model priced
    /// at 0 in config (a local deployment of a catalog model) would cost the catalog's long-context rates past 200k tokens.
    /// The other processing tiers' prices are dropped: a model priced in config has that price at every tier.
    /// </summary>
    public ModelPrice WithFlatPrices(decimal? input, decimal? output, decimal? cacheRead, decimal? cacheWrite, decimal? cacheWrite1h, decimal? reasoning) =>
        this with
        {
            // A text price set here prices audio too: the catalog's audio rate goes with the catalog's text rate.
            AudioInputPerToken = input is null ? AudioInputPerToken : null,
            AudioOutputPerToken = output is null ? AudioOutputPerToken : null,
            InputPerToken = input ?? InputPerToken,
            OutputPerToken = output ?? OutputPerToken,
            CacheReadPerToken = cacheRead ?? CacheReadPerToken,
            CacheWritePerToken = cacheWrite ?? CacheWritePerToken,
            CacheWrite1hPerToken = cacheWrite1h ?? CacheWrite1hPerToken,
            ReasoningPerToken = reasoning ?? ReasoningPerToken,
            Tiers = [.. Tiers.Select(t => t with
            {
                InputPerToken = input is null ? t.InputPerToken : null,
                OutputPerToken = output is null ? t.OutputPerToken : null,
                CacheReadPerToken = cacheRead is null ? t.CacheReadPerToken : null,
                CacheWritePerToken = cacheWrite is null ? t.CacheWritePerToken : null,
                CacheWrite1hPerToken = cacheWrite1h is null ? t.CacheWrite1hPerToken : null,
            })],
            ServiceTierPrices = s_noServiceTiers,
        };

    /// <summary>Zero prices, for models the catalog does not know and local models priced at nothing.</summary>
    public static ModelPrice Free(string key) => new() { Key = key };

    /// <summary>
    /// The exact USD cost of <paramref name="usage"/>. Each kind of token is priced at its own rate (cache writes at
    /// the rate of their lifetime), a long-context tier applies to the whole request once its input exceeds the threshold,
    /// and a call served at another processing tier (<see cref="TokenUsage.ServiceTier"/>) is priced at that tier's prices.
    /// </summary>
    public decimal Cost(in TokenUsage usage)
    {
        if (usage.ServiceTier is { } serviceTier && ServiceTierPrices.TryGetValue(serviceTier, out var tierPrice))
        {
            return tierPrice.Cost(usage with { ServiceTier = null });
        }

        var input = InputPerToken;
        var output = OutputPerToken;
        var cacheRead = CacheReadPerToken;
        var cacheWrite = CacheWritePerToken;
        var cacheWrite1h = CacheWrite1hPerToken;
        for (var i = Tiers.Count - 1; i >= 0; i--)
        {
            var tier = Tiers[i];
            if (usage.InputTokens > tier.AboveInputTokens)
            {
                input = tier.InputPerToken ?? input;
                output = tier.OutputPerToken ?? output;
                cacheRead = tier.CacheReadPerToken ?? cacheRead;
                cacheWrite = tier.CacheWritePerToken ?? cacheWrite;
                // A tier that reprices five-minute writes but not one-hour ones (some catalog entries) would leave the
                // base one-hour rate below the tier's five-minute one; one-hour writes take the tier's five-minute rate.
                cacheWrite1h = tier.CacheWrite1hPerToken ?? (tier.CacheWritePerToken is null ? cacheWrite1h : null);
                break;
            }
        }

        var fiveMinuteWrite = cacheWrite ?? input;
        // An entry without a one-hour rate (a model priced in config, a few older catalog names) prices one-hour
        // writes as five-minute writes, so they are under-billed where the provider charges more for them.
        var oneHourWrite = cacheWrite1h ?? fiveMinuteWrite;
        // Audio is part of the uncached prompt and of the visible output, at its own rates (bounded by them, should a
        // body say otherwise).
        var audioIn = Math.Min(usage.AudioInputTokens, usage.UncachedInputTokens);
        var audioOut = Math.Min(usage.AudioOutputTokens, usage.VisibleOutputTokens);
        return (usage.UncachedInputTokens - audioIn) * input
            + audioIn * (AudioInputPerToken ?? input)
            + usage.CachedInputTokens * (cacheRead ?? input)
            + (usage.CacheWriteTokens - usage.CacheWrite1hTokens) * fiveMinuteWrite
            + usage.CacheWrite1hTokens * oneHourWrite
            + (usage.VisibleOutputTokens - audioOut) * output
            + audioOut * (AudioOutputPerToken ?? output)
            + usage.ReasoningTokens * (ReasoningPerToken ?? output)
            + usage.WebSearchRequests * (WebSearchPrice(usage.SearchContextSize) ?? 0m);
    }

    /// <summary>The price of one web search at <paramref name="searchContextSize"/> (<c>low</c>, <c>medium</c>, <c>high</c>; null: medium).</summary>
    public decimal? WebSearchPrice(string? searchContextSize) => searchContextSize switch
    {
        SearchContextSizes.Low => WebSearchLowContextPerRequest ?? WebSearchPerRequest,
        SearchContextSizes.High => WebSearchHighContextPerRequest ?? WebSearchPerRequest,
        _ => WebSearchPerRequest,
    };

    /// <summary>
    /// The most a call with <paramref name="promptTokens"/> prompt tokens and at most <paramref name="outputTokens"/>
    /// output tokens can cost, however the provider splits them: every prompt token at the dearest input-side rate
    /// (plain, cache read, a five-minute or one-hour cache write, both dearer than plain input at Anthropic, and a
    /// request may ask for either, or audio) and every output token at the dearest of the output, reasoning and audio
    /// rates, at the prices of <paramref name="serviceTier"/> (the one the request asks for), and the
    /// <paramref name="webSearches"/> it allows at <paramref name="searchContextSize"/>. Budgets reserve this before the call.
    /// </summary>
    public decimal MostCost(long promptTokens, long outputTokens, string? serviceTier = null, long webSearches = 0, string? searchContextSize = null)
    {
        // Once the prompt's size has fixed the long-context tier, Cost is a sum over the kinds of token, each linear:
        // the dearest split puts every prompt token in the dearest prompt kind and every output token in the dearest
        // output kind, found apart (the output's part is what the output adds to a prompt of plain tokens). Every
        // candidate carries the searches, which the subtraction leaves counted once.
        var plain = new TokenUsage(promptTokens, 0, 0, 0, 0) { ServiceTier = serviceTier, WebSearchRequests = webSearches, SearchContextSize = searchContextSize };
        ReadOnlySpan<TokenUsage> prompts =
        [
            plain,
            plain with { CachedInputTokens = promptTokens },
            plain with { CacheWriteTokens = promptTokens },
            plain with { CacheWriteTokens = promptTokens, CacheWrite1hTokens = promptTokens },
            plain with { AudioInputTokens = promptTokens },
        ];
        ReadOnlySpan<TokenUsage> outputs =
        [
            plain with { OutputTokens = outputTokens },
            plain with { OutputTokens = outputTokens, ReasoningTokens = outputTokens },
            plain with { OutputTokens = outputTokens, AudioOutputTokens = outputTokens },
        ];
        var prompt = 0m;
        foreach (var usage in prompts)
        {
            prompt = Math.Max(prompt, Cost(usage));
        }

        var output = 0m;
        foreach (var usage in outputs)
        {
            output = Math.Max(output, Cost(usage));
        }

        return prompt + output - Cost(plain);
    }
}
