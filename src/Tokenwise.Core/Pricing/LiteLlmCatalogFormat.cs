using System.Text.Json;
using Tokenwise.Json;
using Tokenwise.Metering;

namespace Tokenwise.Pricing;

/// <summary>
/// Reads and writes price catalogs in LiteLLM's <c>model_prices_and_context_window.json</c> schema,
/// the de-facto standard; the shipped catalog and users' override files both use it.
/// </summary>
public static class LiteLlmCatalogFormat
{
    /// <summary>Modes Tokenwise meters; the shipped catalog keeps only these.</summary>
    public static readonly IReadOnlySet<string> MeteredModes = new HashSet<string>(StringComparer.Ordinal)
    {
        "chat", "completion", "embedding", "responses",
    };

    private const string TierPrefix = "_above_";
    private const string TierSuffix = "_tokens";
    private const string SearchCostField = "search_context_cost_per_query";
    private const string SearchCostSizePrefix = "search_context_size_";
    private const string SearchBillingUnitField = "web_search_billing_unit";
    private const string PerQuery = "per_query";

    /// <summary>The processing tiers with prices of their own, each a suffix of the fields (<c>input_cost_per_token_flex</c>).</summary>
    private static readonly string[] s_serviceTiers = ["flex", "priority"];

    public static PriceCatalog Read(Stream json)
    {
        using var document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        return Read(document.RootElement);
    }

    public static PriceCatalog Read(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("A price catalog must be a JSON object keyed by model name.");
        }

        var prices = new List<ModelPrice>();
        foreach (var entry in root.EnumerateObject())
        {
            // LiteLLM's file documents its schema in a "sample_spec" entry whose values are prose.
            if (entry.Name == "sample_spec" || entry.Value.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            prices.Add(ReadEntry(entry.Name, entry.Value));
        }

        return new PriceCatalog(prices);
    }

    public static ModelPrice ReadEntry(string key, JsonElement e)
    {
        var standard = ReadPrices(key, e, suffix: "", standard: null);
        var serviceTiers = new Dictionary<string, ModelPrice>(StringComparer.Ordinal);
        foreach (var serviceTier in s_serviceTiers)
        {
            var suffix = "_" + serviceTier;
            if (Decimal(e, "input_cost_per_token" + suffix) is not null || Decimal(e, "output_cost_per_token" + suffix) is not null)
            {
                serviceTiers[serviceTier] = ReadPrices(key, e, suffix, standard);
            }
        }

        return serviceTiers.Count == 0 ? standard : standard with { ServiceTierPrices = serviceTiers };
    }

    /// <summary>
    /// The prices of the fields ending in <paramref name="suffix"/>: the standard ones for an empty suffix, else a
    /// processing tier's, where a price the tier does not list is <paramref name="standard"/>'s (long-context tiers
    /// are the tier's own).
    /// </summary>
    private static ModelPrice ReadPrices(string key, JsonElement e, string suffix, ModelPrice? standard)
    {
        var tiers = new SortedDictionary<long, PriceTier>();
        foreach (var property in e.EnumerateObject())
        {
            if (property.Name.EndsWith(suffix, StringComparison.Ordinal)
                && TryParseTier(property.Name[..^suffix.Length], out var field, out var threshold) && TryDecimal(property.Value, out var value))
            {
                var tier = tiers.GetValueOrDefault(threshold) ?? new PriceTier(threshold, null, null, null, null, null);
                tiers[threshold] = field switch
                {
                    "input_cost_per_token" => tier with { InputPerToken = value },
                    "output_cost_per_token" => tier with { OutputPerToken = value },
                    "cache_read_input_token_cost" => tier with { CacheReadPerToken = value },
                    "cache_creation_input_token_cost" => tier with { CacheWritePerToken = value },
                    "cache_creation_input_token_cost_above_1hr" => tier with { CacheWrite1hPerToken = value },
                    _ => tier,
                };
            }
        }

        return new ModelPrice
        {
            Key = key,
            LitellmProvider = JsonMember.String(e, "litellm_provider"),
            Mode = JsonMember.String(e, "mode"),
            MaxInputTokens = Long(e, "max_input_tokens"),
            MaxOutputTokens = Long(e, "max_output_tokens") ?? Long(e, "max_tokens"),
            InputPerToken = Decimal(e, "input_cost_per_token" + suffix) ?? standard?.InputPerToken ?? 0m,
            OutputPerToken = Decimal(e, "output_cost_per_token" + suffix) ?? standard?.OutputPerToken ?? 0m,
            CacheReadPerToken = Decimal(e, "cache_read_input_token_cost" + suffix) ?? standard?.CacheReadPerToken,
            CacheWritePerToken = Decimal(e, "cache_creation_input_token_cost" + suffix) ?? standard?.CacheWritePerToken,
            CacheWrite1hPerToken = Decimal(e, "cache_creation_input_token_cost_above_1hr" + suffix) ?? standard?.CacheWrite1hPerToken,
            ReasoningPerToken = Decimal(e, "output_cost_per_reasoning_token" + suffix) ?? standard?.ReasoningPerToken,
            AudioInputPerToken = Decimal(e, "input_cost_per_audio_token" + suffix) ?? standard?.AudioInputPerToken,
            AudioOutputPerToken = Decimal(e, "output_cost_per_audio_token" + suffix) ?? standard?.AudioOutputPerToken,
            // One price per model, whatever the processing tier.
            WebSearchPerRequest = WebSearchPrice(e, SearchContextSizes.Medium),
            WebSearchLowContextPerRequest = WebSearchPrice(e, SearchContextSizes.Low),
            WebSearchHighContextPerRequest = WebSearchPrice(e, SearchContextSizes.High),
            WebSearchPerQuery = JsonMember.String(e, SearchBillingUnitField) == PerQuery,
            Tiers = tiers.Values.Where(t => t.InputPerToken is not null || t.OutputPerToken is not null
                || t.CacheReadPerToken is not null || t.CacheWritePerToken is not null || t.CacheWrite1hPerToken is not null).ToList(),
        };
    }

    /// <summary>Writes <paramref name="prices"/> in LiteLLM's schema, keys sorted, only the fields Tokenwise reads.</summary>
    public static void Write(IEnumerable<ModelPrice> prices, Stream output)
    {
        using var w = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        foreach (var p in prices.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            w.WriteStartObject(p.Key);
            WriteIfSet(w, "litellm_provider", p.LitellmProvider);
            WriteIfSet(w, "mode", p.Mode);
            WriteIfSet(w, "max_input_tokens", p.MaxInputTokens);
            WriteIfSet(w, "max_output_tokens", p.MaxOutputTokens);
            WritePrices(w, p, suffix: "", standard: null);
            if (p.WebSearchPerRequest is not null || p.WebSearchLowContextPerRequest is not null || p.WebSearchHighContextPerRequest is not null)
            {
                w.WriteStartObject(SearchCostField);
                WriteIfSet(w, SearchCostSizePrefix + SearchContextSizes.High, p.WebSearchHighContextPerRequest);
                WriteIfSet(w, SearchCostSizePrefix + SearchContextSizes.Low, p.WebSearchLowContextPerRequest);
                WriteIfSet(w, SearchCostSizePrefix + SearchContextSizes.Medium, p.WebSearchPerRequest);
                w.WriteEndObject();
            }

            if (p.WebSearchPerQuery)
            {
                w.WriteString(SearchBillingUnitField, PerQuery);
            }

            foreach (var (serviceTier, price) in p.ServiceTierPrices.OrderBy(t => t.Key, StringComparer.Ordinal))
            {
                WritePrices(w, price, "_" + serviceTier, p);
            }

            w.WriteEndObject();
        }

        w.WriteEndObject();
    }

    /// <summary>
    /// Writes the price fields with <paramref name="suffix"/>; a processing tier's only where they differ from
    /// <paramref name="standard"/>'s (as <see cref="ReadPrices"/> takes the standard ones for those it does not find),
    /// but always its input and output prices, which make it a tier.
    /// </summary>
    private static void WritePrices(Utf8JsonWriter w, ModelPrice p, string suffix, ModelPrice? standard)
    {
        w.WriteNumber("input_cost_per_token" + suffix, p.InputPerToken);
        w.WriteNumber("output_cost_per_token" + suffix, p.OutputPerToken);
        WriteIfSet(w, "cache_read_input_token_cost" + suffix, Differing(p.CacheReadPerToken, standard?.CacheReadPerToken, standard));
        WriteIfSet(w, "cache_creation_input_token_cost" + suffix, Differing(p.CacheWritePerToken, standard?.CacheWritePerToken, standard));
        WriteIfSet(w, "cache_creation_input_token_cost_above_1hr" + suffix, Differing(p.CacheWrite1hPerToken, standard?.CacheWrite1hPerToken, standard));
        WriteIfSet(w, "output_cost_per_reasoning_token" + suffix, Differing(p.ReasoningPerToken, standard?.ReasoningPerToken, standard));
        WriteIfSet(w, "input_cost_per_audio_token" + suffix, Differing(p.AudioInputPerToken, standard?.AudioInputPerToken, standard));
        WriteIfSet(w, "output_cost_per_audio_token" + suffix, Differing(p.AudioOutputPerToken, standard?.AudioOutputPerToken, standard));
        foreach (var tier in p.Tiers)
        {
            var tierSuffix = $"{TierPrefix}{tier.AboveInputTokens / 1000}k{TierSuffix}{suffix}";
            WriteIfSet(w, "input_cost_per_token" + tierSuffix, tier.InputPerToken);
            WriteIfSet(w, "output_cost_per_token" + tierSuffix, tier.OutputPerToken);
            WriteIfSet(w, "cache_read_input_token_cost" + tierSuffix, tier.CacheReadPerToken);
            WriteIfSet(w, "cache_creation_input_token_cost" + tierSuffix, tier.CacheWritePerToken);
            WriteIfSet(w, "cache_creation_input_token_cost_above_1hr" + tierSuffix, tier.CacheWrite1hPerToken);
        }
    }

    private static decimal? Differing(decimal? value, decimal? standardValue, ModelPrice? standard) =>
        standard is not null && value == standardValue ? null : value;

    /// <summary>
    /// Parses LiteLLM's tier field names such as <c>input_cost_per_token_above_200k_tokens</c>; the tier is the
    /// last <c>_above_</c>, so <c>cache_creation_input_token_cost_above_1hr_above_200k_tokens</c> is the one-hour
    /// write's field in the 200k tier. Variants like <c>_above_1hr</c> alone or <c>_above_200k_tokens_priority</c>
    /// are not input-size tiers.
    /// </summary>
    private static bool TryParseTier(string name, out string field, out long threshold)
    {
        field = "";
        threshold = 0;
        var at = name.LastIndexOf(TierPrefix, StringComparison.Ordinal);
        if (at < 0 || !name.EndsWith("k" + TierSuffix, StringComparison.Ordinal))
        {
            return false;
        }

        var digits = name.AsSpan(at + TierPrefix.Length, name.Length - at - TierPrefix.Length - TierSuffix.Length - 1);
        if (!long.TryParse(digits, out var thousands))
        {
            return false;
        }

        field = name[..at];
        threshold = thousands * 1000;
        return true;
    }

    /// <summary>
    /// LiteLLM's <c>search_context_cost_per_query</c> at one search context size (<c>search_context_size_low</c>, …); the
    /// medium size is the providers' default, and Anthropic and Gemini price every size alike.
    /// </summary>
    private static decimal? WebSearchPrice(JsonElement e, string size) =>
        e.TryGetProperty(SearchCostField, out var sizes) && sizes.ValueKind == JsonValueKind.Object ? Decimal(sizes, SearchCostSizePrefix + size) : null;

    private static long? Long(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) ? n : null;

    private static decimal? Decimal(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && TryDecimal(v, out var d) ? d : null;

    /// <summary>
    /// Prices are read as decimals from their JSON text, so 1.5e-07 is exactly 0.00000015 and costs
    /// add up to the cent; a double would already be off in the 17th digit.
    /// </summary>
    private static bool TryDecimal(JsonElement v, out decimal value)
    {
        value = 0;
        return v.ValueKind == JsonValueKind.Number && v.TryGetDecimal(out value);
    }

    private static void WriteIfSet(Utf8JsonWriter w, string name, string? value)
    {
        if (value is not null)
        {
            w.WriteString(name, value);
        }
    }

    private static void WriteIfSet(Utf8JsonWriter w, string name, long? value)
    {
        if (value is not null)
        {
            w.WriteNumber(name, value.Value);
        }
    }

    private static void WriteIfSet(Utf8JsonWriter w, string name, decimal? value)
    {
        if (value is not null)
        {
            w.WriteNumber(name, value.Value);
        }
    }
}
