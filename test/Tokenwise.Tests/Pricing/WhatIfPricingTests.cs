using System.Text;
using Tokenwise.Metering;
using Tokenwise.Pricing;
using Tokenwise.Storage;

namespace Tokenwise.Tests.Pricing;

public sealed class WhatIfPricingTests
{
    private static async IAsyncEnumerable<BilledCall> Calls(params BilledCall[] calls)
    {
        foreach (var call in calls)
        {
            await Task.Yield();
            yield return call;
        }
    }

    private static PriceCatalog Prices(string json) => LiteLlmCatalogFormat.Read(new MemoryStream(Encoding.UTF8.GetBytes(json)));

    [Fact]
    public async Task AMappedModelPricesEachCallAtTheOtherModelsPricesAndOthersKeepTheirCost()
    {
        var pricing = new WhatIfPricing(PriceCatalog.Embedded, new Dictionary<string, string> { ["gpt-4o"] = "gpt-4o-mini" }, prices: null);

        var rows = await pricing.RepriceAsync(Calls(
            new BilledCall("gpt-4o", new TokenUsage(1000, 0, 0, 500, 0), 0.0075m),
            new BilledCall("gpt-4o", new TokenUsage(2000, 1000, 0, 100, 0), 0.0035m),
            new BilledCall("local-llama", new TokenUsage(5000, 0, 0, 900, 0), 0.42m)), TestContext.Current.CancellationToken);

        // gpt-4o-mini: $0.15 per million input tokens, $0.075 cached, $0.60 output.
        // 1000 × 0.15 + 500 × 0.6 = 450 µ$; (2000 − 1000) × 0.15 + 1000 × 0.075 + 100 × 0.6 = 285 µ$.
        var mapped = rows.Single(r => r.Model == "gpt-4o");
        Assert.Equal(("gpt-4o-mini", 2L, 2L, 0.011m, 0.000735m), (mapped.WhatIfModel, mapped.Calls, mapped.Repriced, mapped.CostUsd, mapped.WhatIfUsd));
        var kept = rows.Single(r => r.Model == "local-llama");
        Assert.Equal((0L, 0.42m, 0.42m), (kept.Repriced, kept.CostUsd, kept.WhatIfUsd));
        Assert.Equal(["local-llama", "gpt-4o"], rows.Select(r => r.Model)); // largest spend first
    }

    [Fact]
    public async Task NewPricesArePaidCallByCallSoALongPromptPaysTheLongContextRateAndAShortOneDoesNot()
    {
        var pricing = new WhatIfPricing(PriceCatalog.Embedded, new Dictionary<string, string>(), Prices("""
            {"big-model": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": 1e-6, "output_cost_per_token": 2e-6,
              "input_cost_per_token_above_200k_tokens": 2e-6, "output_cost_per_token_above_200k_tokens": 4e-6}}
            """));

        var row = Assert.Single(await pricing.RepriceAsync(Calls(
            new BilledCall("big-model", new TokenUsage(300_000, 0, 0, 100, 0), 0.3m),
            new BilledCall("big-model", new TokenUsage(1_000, 0, 0, 100, 0), 0.001m)), TestContext.Current.CancellationToken));

        // 300,000 × 2 + 100 × 4 = 600,400 µ$ past 200k; 1,000 × 1 + 100 × 2 = 1,200 µ$ below it. Priced as one
        // sum of 301,000 tokens, both calls would have paid the long-context rate.
        Assert.Equal((2L, 0.6016m), (row.Repriced, row.WhatIfUsd));
        Assert.Equal(0.3006m, row.ChangeUsd);
    }

    [Fact]
    public void AModelWithoutAPriceIsRefusedNamingIt()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            new WhatIfPricing(PriceCatalog.Embedded, new Dictionary<string, string> { ["gpt-4o"] = "gpt-99" }, prices: null));
        Assert.Equal("'gpt-99' (for gpt-4o) has no price in the catalog.", e.Message);
    }
}
