using System.Text;
using Tokenwise.Configuration;
using Tokenwise.Hosting;
using Tokenwise.Pricing;

namespace Tokenwise.Tests.Pricing;

public sealed class CatalogFormatTests
{
    private const string LiteLlmSample = """
        {
          "sample_spec": { "input_cost_per_token": 0.0, "litellm_provider": "one of https://docs.litellm.ai/docs/providers" },
          "my-model": {
            "litellm_provider": "openai", "mode": "chat", "max_input_tokens": 128000, "max_tokens": 4096,
            "input_cost_per_token": 1.5e-07, "output_cost_per_token": 6e-07, "cache_read_input_token_cost": 7.5e-08,
            "input_cost_per_token_above_128k_tokens": 3e-07, "cache_creation_input_token_cost_above_1hr_above_200k_tokens": 1.2e-05,
            "input_cost_per_token_priority": 9e-07, "output_cost_per_token_priority": 1.2e-06,
            "input_cost_per_token_above_128k_tokens_priority": 1.8e-06, "input_cost_per_token_flex": 7.5e-08, "supports_vision": true,
            "search_context_cost_per_query": { "search_context_size_low": 0.025, "search_context_size_medium": 0.0275, "search_context_size_high": 0.03 }
          },
          "azure/my-model": { "litellm_provider": "azure", "mode": "chat", "input_cost_per_token": 2e-07, "output_cost_per_token": 8e-07 },
          "gemini/my-gemini": { "litellm_provider": "gemini", "mode": "chat", "input_cost_per_token": 5e-07, "output_cost_per_token": 3e-06,
            "search_context_cost_per_query": { "search_context_size_low": 0.014, "search_context_size_medium": 0.014, "search_context_size_high": 0.014 },
            "web_search_billing_unit": "per_query" }
        }
        """;

    [Fact]
    public void ReadsLiteLlmSchemaWithExactDecimalsAndSkipsTheSampleSpec()
    {
        var catalog = LiteLlmCatalogFormat.Read(new MemoryStream(Encoding.UTF8.GetBytes(LiteLlmSample)));

        Assert.Equal(3, catalog.Count);
        var price = catalog.Find("my-model")!;
        Assert.Equal(0.00000015m, price.InputPerToken);
        Assert.Equal(0.000000075m, price.CacheReadPerToken);
        Assert.Equal(4096, price.MaxOutputTokens);
        Assert.Equal([128_000L, 200_000L], price.Tiers.Select(t => t.AboveInputTokens));
        Assert.Equal(0.0000003m, price.Tiers[0].InputPerToken);
        // The tier is the last "_above_": this is the one-hour cache write's price above 200k, not a tier named "1hr".
        Assert.Equal(new PriceTier(200_000, null, null, null, null, 0.000012m), price.Tiers[1]);
        // A web search by search context size; medium is the default.
        Assert.Equal((0.025m, 0.0275m, 0.03m, 0.0275m), (price.WebSearchPrice("low"), price.WebSearchPrice("medium"), price.WebSearchPrice("high"), price.WebSearchPrice(null)));
        Assert.Null(catalog.Find("azure/my-model")!.WebSearchPrice("high"));
        // Gemini 3 bills each search query of a grounded answer; a price without the unit is per search billed.
        Assert.Equal((true, false), (catalog.Find("gemini/my-gemini")!.WebSearchPerQuery, price.WebSearchPerQuery));
    }

    [Fact]
    public void ADatedSnapshotThatPricesNoSearchTakesItsModelsSearchPrices()
    {
        var catalog = LiteLlmCatalogFormat.Read(new MemoryStream(Encoding.UTF8.GetBytes("""
            {
              "search-model": { "litellm_provider": "openai", "input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06,
                "search_context_cost_per_query": { "search_context_size_low": 0.03, "search_context_size_medium": 0.035, "search_context_size_high": 0.05 } },
              "search-model-2025-03-11": { "litellm_provider": "openai", "input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06 },
              "search-model-2026-01-01": { "litellm_provider": "openai", "input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06,
                "search_context_cost_per_query": { "search_context_size_medium": 0.02 } },
              "search-model-2025-04-01": { "litellm_provider": "azure", "input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06 },
              "search-model-preview": { "litellm_provider": "openai", "input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06 }
            }
            """))).WithSnapshotSearchPrices();

        var snapshot = catalog.Find("search-model-2025-03-11")!;
        Assert.Equal((0.03m, 0.035m, 0.05m), (snapshot.WebSearchPrice("low"), snapshot.WebSearchPrice("medium"), snapshot.WebSearchPrice("high")));
        Assert.Equal(0.000001m, snapshot.InputPerToken);
        // A snapshot's own search price stands; another provider's entry and a name that is no dated snapshot take none.
        Assert.Equal(0.02m, catalog.Find("search-model-2026-01-01")!.WebSearchPrice("high"));
        Assert.Null(catalog.Find("search-model-2025-04-01")!.WebSearchPerRequest);
        Assert.Null(catalog.Find("search-model-preview")!.WebSearchPerRequest);
    }

    [Fact]
    public void ProviderPrefixedEntryWinsForThatProvider()
    {
        var catalog = LiteLlmCatalogFormat.Read(new MemoryStream(Encoding.UTF8.GetBytes(LiteLlmSample)));

        Assert.Equal(0.0000002m, catalog.Find("my-model", "azure")!.InputPerToken);
        Assert.Equal(0.00000015m, catalog.Find("my-model", "openai")!.InputPerToken);
    }

    [Fact]
    public void WriteThenReadKeepsEveryPrice()
    {
        var original = LiteLlmCatalogFormat.Read(new MemoryStream(Encoding.UTF8.GetBytes(LiteLlmSample)));
        using var written = new MemoryStream();
        LiteLlmCatalogFormat.Write(original.Entries, written);
        var reread = LiteLlmCatalogFormat.Read(new MemoryStream(written.ToArray()));

        foreach (var price in original.Entries)
        {
            var again = reread.Find(price.Key)!;
            AssertSamePrices(price, again);
            Assert.Equal(price.ServiceTierPrices.Keys.Order(), again.ServiceTierPrices.Keys.Order());
            foreach (var (serviceTier, tierPrice) in price.ServiceTierPrices)
            {
                AssertSamePrices(tierPrice, again.ServiceTierPrices[serviceTier]);
            }
        }

        static void AssertSamePrices(ModelPrice expected, ModelPrice actual)
        {
            Assert.Equal(expected with { Tiers = [], ServiceTierPrices = ModelPrice.Free("").ServiceTierPrices },
                actual with { Tiers = [], ServiceTierPrices = ModelPrice.Free("").ServiceTierPrices });
            Assert.Equal(expected.Tiers, actual.Tiers);
        }
    }

    [Fact]
    public void FlexAndPriorityPricesAreTiersOfTheirOwnWithTheStandardPricesTheyDoNotList()
    {
        var price = LiteLlmCatalogFormat.Read(new MemoryStream(Encoding.UTF8.GetBytes(LiteLlmSample))).Find("my-model")!;

        var priority = price.ServiceTierPrices["priority"];
        Assert.Equal((0.0000009m, 0.0000012m, 0.000000075m), (priority.InputPerToken, priority.OutputPerToken, priority.CacheReadPerToken));
        Assert.Equal([new PriceTier(128_000, 0.0000018m, null, null, null, null)], priority.Tiers);
        var flex = price.ServiceTierPrices["flex"];
        Assert.Equal((0.000000075m, 0.0000006m), (flex.InputPerToken, flex.OutputPerToken));
        Assert.Empty(flex.Tiers);
        // The standard long-context tiers do not take the suffixed fields.
        Assert.Equal([128_000L, 200_000L], price.Tiers.Select(t => t.AboveInputTokens));
        Assert.Equal(0.0000003m, price.Tiers[0].InputPerToken);
    }

    [Fact]
    public void OverridesReplaceShippedPrices()
    {
        var overrides = LiteLlmCatalogFormat.Read(new MemoryStream("""{"gpt-4o-mini":{"input_cost_per_token":1e-06,"output_cost_per_token":2e-06}}"""u8.ToArray()));
        var merged = PriceCatalog.Embedded.With(overrides);

        Assert.Equal(0.000001m, merged.Find("gpt-4o-mini")!.InputPerToken);
        Assert.Equal(PriceCatalog.Embedded.Count, merged.Count);
    }

    [Theory]
    [InlineData("""{"m":{"input_cost_per_token":-5e-07,"output_cost_per_token":6e-07}}""", "prices m at -0.0000005 USD")]
    [InlineData("""{"m":{"input_cost_per_token":2.5,"output_cost_per_token":10}}""", "prices m at 2.5 USD")] // per million, by mistake
    [InlineData("""{"m":{"input_cost_per_token":1e-07,"output_cost_per_token_priority":3}}""", "prices m at 3 USD")]
    public void APriceFileWithAPriceBelowZeroOrAboveADollarATokenIsRefused(string json, string message)
    {
        // Read as given, a negative price credited every call and $10 a token billed ten thousand tokens at $100,000.
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, json);
            var e = Assert.Throws<ConfigurationException>(() => GatewayComponents.ReadCatalog(path, "pricing.overrides_file"));
            Assert.Equal($"pricing.overrides_file: '{path}' {message}, outside 0 to 1 per token (prices are per token, not per million).", e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void TheShippedCatalogPricesEveryTokenWithinTheRangeAPriceFileMayUse() =>
        Assert.DoesNotContain(PriceCatalog.Embedded.Entries, e => e.AllPrices().Any(p => !ModelPrice.IsPrice(p)));

    [Fact]
    public void ShippedCatalogHoldsOnlyMeteredModes()
    {
        Assert.True(PriceCatalog.Embedded.Count > 1000);
        Assert.All(PriceCatalog.Embedded.Entries, p => Assert.Contains(p.Mode!, LiteLlmCatalogFormat.MeteredModes));
    }
}
