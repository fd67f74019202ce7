using System.Text.Json;
using Tokenwise.Json;

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
        var tiers = new SortedDictionary<long, PriceTier>();
        foreach (var property in e.EnumerateObject())
        {
            if (TryParseTier(property.Name, out var field, out var threshold) && TryDecimal(property.Value, out var value))
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
            InputPerToken = Decimal(e, "input_cost_per_token") ?? 0m,
            OutputPerToken = Decimal(e, "output_cost_per_token") ?? 0m,
            CacheReadPerToken = Decimal(e, "cache_read_input_token_cost"),
            CacheWritePerToken = Decimal(e, "cache_creation_input_token_cost"),
            CacheWrite1hPerToken = Decimal(e, "cache_creation_input_token_cost_above_1hr"),
            ReasoningPerToken = Decimal(e, "output_cost_per_reasoning_token"),
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
            w.WriteNumber("input_cost_per_token", p.InputPerToken);
            w.WriteNumber("output_cost_per_token", p.OutputPerToken);
            WriteIfSet(w, "cache_read_input_token_cost", p.CacheReadPerToken);
            WriteIfSet(w, "cache_creation_input_token_cost", p.CacheWritePerToken);
            WriteIfSet(w, "cache_creation_input_token_cost_above_1hr", p.CacheWrite1hPerToken);
            WriteIfSet(w, "output_cost_per_reasoning_token", p.ReasoningPerToken);
            foreach (var tier in p.Tiers)
            {
                var suffix = $"{TierPrefix}{tier.AboveInputTokens / 1000}k{TierSuffix}";
                WriteIfSet(w, "input_cost_per_token" + suffix, tier.InputPerToken);
                WriteIfSet(w, "output_cost_per_token" + suffix, tier.OutputPerToken);
                WriteIfSet(w, "cache_read_input_token_cost" + suffix, tier.CacheReadPerToken);
                WriteIfSet(w, "cache_creation_input_token_cost" + suffix, tier.CacheWritePerToken);
                WriteIfSet(w, "cache_creation_input_token_cost_above_1hr" + suffix, tier.CacheWrite1hPerToken);
            }

            w.WriteEndObject();
        }

        w.WriteEndObject();
    }

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
