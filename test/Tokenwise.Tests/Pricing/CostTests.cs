using Tokenwise.Metering;
using Tokenwise.Pricing;

namespace Tokenwise.Tests.Pricing;

/// <summary>Costs against hand computations from the catalog's published per-token prices.</summary>
public sealed class CostTests
{
    private static ModelPrice Price(string model) => PriceCatalog.Embedded.Find(model) ?? throw new InvalidOperationException(model);

    [Fact]
    public void CachedPromptTokensArePricedAtTheCacheReadRateAndNotTwice()
    {
        // gpt-4o-mini: input $0.15/M, cached input $0.075/M, output $0.60/M.
        // 1000 prompt tokens of which 400 cached: 600 × 0.15 + 400 × 0.075 + 500 × 0.60 = 420 µ$.
        var cost = Price("gpt-4o-mini").Cost(new TokenUsage(1000, 400, 0, 500, 0));
        Assert.Equal(0.00042m, cost);
    }

    [Fact]
    public void PricesSetInConfigHoldAtEveryPromptSizeWhileTheOthersKeepTheirTiers()
    {
        // gemini-2.5-pro: input $1.25/M ($2.50/M past 200k prompt tokens), output $10/M ($15/M past 200k).
        var catalog = Price("gemini-2.5-pro");
        var longPrompt = new TokenUsage(300_000, 0, 0, 1_000, 0);
        Assert.Equal(300_000 * 0.0000025m + 1_000 * 0.000015m, catalog.Cost(longPrompt));

        // A local deployment priced at 0 stays free however long the prompt.
        Assert.Equal(0m, catalog.WithFlatPrices(0, 0, 0, 0, 0, 0).Cost(longPrompt));
        // A negotiated input price holds past 200k; output, not set, keeps the catalog's long-context rate.
        Assert.Equal(300_000 * 0.000001m + 1_000 * 0.000015m, catalog.WithFlatPrices(0.000001m, null, null, null, null, null).Cost(longPrompt));
    }

    [Theory]
    [InlineData(null, "0.01025")]
    [InlineData("default", "0.01025")]
    [InlineData("flex", "0.005125")]
    [InlineData("priority", "0.0179375")]
    public void ACallServedAtFlexOrPriorityIsPricedAtThatTiersPrices(string? serviceTier, string expected)
    {
        // o3, 1,500 prompt tokens of which 500 cached, and 1,000 output tokens:
        // standard $2/M input, $0.50/M cached, $8/M output: 1,000 × 2 + 500 × 0.50 + 1,000 × 8 = 10,250 µ$;
        // flex $1, $0.25, $4: 5,125 µ$; priority $3.50, $0.875, $14: 3,500 + 437.5 + 14,000 = 17,937.5 µ$.
        var usage = new TokenUsage(1_500, 500, 0, 1_000, 0) { ServiceTier = serviceTier };
        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), Price("o3").Cost(usage));
    }

    [Fact]
    public void WebSearchesArePricedPerSearch()
    {
        // claude-sonnet-4-5: 1,000 input × $3/M + 100 output × $15/M + 4 searches × $10/1,000 = 3,000 + 1,500 + 40,000 µ$.
        Assert.Equal(0.0445m, Price("claude-sonnet-4-5").Cost(new TokenUsage(1_000, 0, 0, 100, 0) { WebSearchRequests = 4 }));
        // A budget reserves the searches a request allows (its tools' max_uses) on top of its dearest tokens.
        var tokens = Price("claude-sonnet-4-5").MostCost(1_000, 100);
        Assert.Equal(tokens + 0.05m, Price("claude-sonnet-4-5").MostCost(1_000, 100, webSearches: 5));
    }

    [Theory]
    [InlineData("low", "0.03")]
    [InlineData(null, "0.035")]
    [InlineData("medium", "0.035")]
    [InlineData("high", "0.05")]
    public void AnOpenAISearchIsPricedAtTheSearchContextSizeItRanAt(string? size, string searchPrice)
    {
        // gpt-4o-search-preview: 1,000 input × $2.50/M + 200 output × $10/M = 4,500 µ$, and one search at $30, $35 or $50
        // per 1,000 by size. Its dated snapshot, which LiteLLM's file prices no search for, is billed alike.
        var search = decimal.Parse(searchPrice, System.Globalization.CultureInfo.InvariantCulture);
        var usage = new TokenUsage(1_000, 0, 0, 200, 0) { WebSearchRequests = 1, SearchContextSize = size };
        Assert.Equal(0.0045m + search, Price("gpt-4o-search-preview").Cost(usage));
        Assert.Equal(0.0045m + search, Price("gpt-4o-search-preview-2025-03-11").Cost(usage));
        // A budget reserves the search at the size the request asks for.
        Assert.Equal(Price("gpt-4o-search-preview").MostCost(1_000, 200) + search,
            Price("gpt-4o-search-preview").MostCost(1_000, 200, webSearches: 1, searchContextSize: size));
    }

    [Fact]
    public void AudioTokensArePricedAtTheAudioRates()
    {
        // gpt-4o-audio-preview: text in $2.50/M, audio in $40/M, text out $10/M, audio out $80/M; 1,000 prompt tokens of
        // which 600 audio, 500 output of which 300 audio: 400 × 2.5 + 600 × 40 + 200 × 10 + 300 × 80 = 51,000 µ$.
        var usage = new TokenUsage(1_000, 0, 0, 500, 0) { AudioInputTokens = 600, AudioOutputTokens = 300 };
        Assert.Equal(0.051m, Price("gpt-4o-audio-preview").Cost(usage));
        // A budget reserves the prompt as audio and the output as audio, the dearest kinds.
        Assert.Equal(1_000 * 0.00004m + 100 * 0.00008m, Price("gpt-4o-audio-preview").MostCost(1_000, 100));
    }

    [Fact]
    public void BudgetsReserveAtThePricesOfTheTierTheRequestAsksFor()
    {
        // o3, 1,000 prompt and 100 output tokens at most: the dearest split is every prompt token uncached.
        Assert.Equal(1_000 * 0.000002m + 100 * 0.000008m, Price("o3").MostCost(1_000, 100));
        Assert.Equal(1_000 * 0.0000035m + 100 * 0.000014m, Price("o3").MostCost(1_000, 100, "priority"));
    }

    [Fact]
    public void AOneHourWritePriceSetInConfigPricesOneHourWrites()
    {
        // claude-sonnet-4-5: 1,000 prompt tokens all written to the one-hour cache, at $5/M instead of the catalog's $6/M.
        var price = Price("claude-sonnet-4-5").WithFlatPrices(null, null, null, null, 0.000005m, null);
        Assert.Equal(0.005m, price.Cost(new TokenUsage(1_000, 0, 1_000, 0, 0) { CacheWrite1hTokens = 1_000 }));
    }

    [Fact]
    public void ReasoningTokensAreBilledAsOutputOnceWithoutADedicatedPrice()
    {
        // o3-mini: input $1.10/M, cached $0.55/M, output $4.40/M; 1000 of the 1500 output tokens are reasoning.
        // 976 × 1.10 + 1024 × 0.55 + 1500 × 4.40 = 1073.6 + 563.2 + 6600 = 8236.8 µ$.
        var cost = Price("o3-mini").Cost(new TokenUsage(2000, 1024, 0, 1500, 1000));
        Assert.Equal(0.0082368m, cost);
    }

    [Fact]
    public void AReasoningPriceAppliesOnlyToReasoningTokens()
    {
        var price = ModelPrice.Free("x") with { OutputPerToken = 0.00001m, ReasoningPerToken = 0.000002m };
        // 300 visible × $10/M + 700 reasoning × $2/M = 3000 + 1400 µ$.
        Assert.Equal(0.0044m, price.Cost(new TokenUsage(0, 0, 0, 1000, 700)));
    }

    [Fact]
    public void CacheReadsAndWritesEachHaveTheirOwnRate()
    {
        // claude-sonnet-4-5: input $3/M, cache read $0.30/M, cache write $3.75/M, output $15/M.
        // Canonical input 3000 = 1500 plain + 1000 read + 500 written.
        // 1500 × 3 + 1000 × 0.30 + 500 × 3.75 + 200 × 15 = 4500 + 300 + 1875 + 3000 = 9675 µ$.
        var cost = Price("claude-sonnet-4-5").Cost(new TokenUsage(3000, 1000, 500, 200, 0));
        Assert.Equal(0.009675m, cost);
    }

    [Fact]
    public void OneHourCacheWritesArePricedAtTheOneHourRateAndTheRestAtTheFiveMinuteRate()
    {
        // claude-haiku-4-5: input $1/M, cache read $0.10/M, cache write $1.25/M for five minutes and $2/M for an hour,
        // output $5/M. Canonical input 4000 = 500 plain + 500 read + 3000 written, 2000 of them for an hour.
        // 500 × 1 + 500 × 0.10 + 1000 × 1.25 + 2000 × 2 + 20 × 5 = 500 + 50 + 1250 + 4000 + 100 = 5900 µ$.
        var cost = Price("claude-haiku-4-5").Cost(new TokenUsage(4000, 500, 3000, 20, 0) { CacheWrite1hTokens = 2000 });
        Assert.Equal(0.0059m, cost);
    }

    [Fact]
    public void WithoutAOneHourRateOneHourWritesFallBackToTheFiveMinuteRateThenTheInputRate()
    {
        var usage = new TokenUsage(3000, 0, 3000, 0, 0) { CacheWrite1hTokens = 2000 };
        // Only a five-minute write rate ($1.25/M): all 3000 writes at it, 3750 µ$.
        Assert.Equal(0.00375m, (ModelPrice.Free("x") with { InputPerToken = 0.000001m, CacheWritePerToken = 0.00000125m }).Cost(usage));
        // No write rate at all: the input rate ($1/M), 3000 µ$.
        Assert.Equal(0.003m, (ModelPrice.Free("x") with { InputPerToken = 0.000001m }).Cost(usage));
    }

    [Fact]
    public void TheMostACallCanCostPutsEveryTokenAtItsDearestRate()
    {
        // claude-sonnet-4-5: a one-hour cache write ($6/M) is dearer than a five-minute one ($3.75/M) and plain input
        // ($3/M), and a request may ask for it: 1000 × 6 + 100 × 15 = 7500 µ$.
        Assert.Equal(0.0075m, Price("claude-sonnet-4-5").MostCost(1000, 100));
        // Without a one-hour rate, the five-minute write is the dearest: 1000 × 3.75 + 100 × 15 = 5250 µ$.
        Assert.Equal(0.00525m, (Price("claude-sonnet-4-5") with { CacheWrite1hPerToken = null }).MostCost(1000, 100));
        // gpt-4o-mini: cache reads are cheaper, so plain input is the dearest: 1000 × 0.15 + 100 × 0.60 = 210 µ$.
        Assert.Equal(0.00021m, Price("gpt-4o-mini").MostCost(1000, 100));
        // Reasoning dearer than output: every output token may be reasoning.
        Assert.Equal(0.0013m, (ModelPrice.Free("x") with { InputPerToken = 0.000001m, OutputPerToken = 0.000002m, ReasoningPerToken = 0.000003m }).MostCost(1000, 100));
        // Past a long-context threshold, that tier's rates (gemini-2.5-pro: $2.50/M in, $15/M out above 200k).
        Assert.Equal(250_000 * 0.0000025m + 1000 * 0.000015m, Price("gemini-2.5-pro").MostCost(250_000, 1000));
    }

    [Fact]
    public void LongContextTierRepricesTheWholeRequest()
    {
        // gemini-2.5-pro: above 200k input tokens, input $2.50/M and output $15/M instead of $1.25/M and $10/M.
        var price = Price("gemini-2.5-pro");
        Assert.Equal(200_000 * 0.00000125m + 1000 * 0.00001m, price.Cost(new TokenUsage(200_000, 0, 0, 1000, 0)));
        Assert.Equal(250_000 * 0.0000025m + 1000 * 0.000015m, price.Cost(new TokenUsage(250_000, 0, 0, 1000, 0)));
    }

    [Fact]
    public void PastTheLongContextThresholdOneHourWritesTakeTheTiersOneHourRate()
    {
        // claude-sonnet-4-5 above 200k input tokens: input $6/M, five-minute write $7.50/M, one-hour write $12/M.
        // 250000 = 240000 plain + 10000 written, 4000 of them for an hour; 1000 output at $22.50/M.
        // 240000 × 6 + 6000 × 7.5 + 4000 × 12 + 1000 × 22.5 = 1440000 + 45000 + 48000 + 22500 = 1555500 µ$.
        var usage = new TokenUsage(250_000, 0, 10_000, 1000, 0) { CacheWrite1hTokens = 4000 };
        Assert.Equal(1.5555m, Price("claude-sonnet-4-5").Cost(usage));
        // vertex_ai/claude-sonnet-4-5 has the same prices but no one-hour rate above 200k: rather than the base
        // one-hour rate ($6/M, below the tier's five-minute $7.50/M), its one-hour writes take the tier's five-minute
        // rate: 240000 × 6 + 10000 × 7.5 + 1000 × 22.5 = 1440000 + 75000 + 22500 = 1537500 µ$.
        Assert.Equal(1.5375m, PriceCatalog.Embedded.Find("vertex_ai/claude-sonnet-4-5")!.Cost(usage));
    }

    [Fact]
    public void MissingCacheReadPriceFallsBackToTheInputPrice()
    {
        var price = ModelPrice.Free("x") with { InputPerToken = 0.000001m };
        Assert.Equal(0.001m, price.Cost(new TokenUsage(1000, 600, 0, 0, 0)));
    }

    [Fact]
    public void ExactDecimalArithmeticKeepsSumsToTheCent()
    {
        // A million tiny requests add up exactly; a double sum of 1.5e-7 drifts.
        var price = Price("gpt-4o-mini");
        var total = 0m;
        for (var i = 0; i < 1_000_000; i++)
        {
            total += price.Cost(new TokenUsage(1, 0, 0, 0, 0));
        }

        Assert.Equal(0.15m, total);
    }
}
