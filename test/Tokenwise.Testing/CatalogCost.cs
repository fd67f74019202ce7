using Tokenwise.Pricing;

namespace Tokenwise.Testing;

/// <summary>
/// What a request should cost, from the embedded catalog's per-token rates (the gateway's own) and the
/// billing rules written out here, apart from <see cref="ModelPrice.Cost"/>: a test follows the catalog
/// when its prices change, and still checks the gateway's arithmetic.
/// </summary>
public static class CatalogCost
{
    /// <summary>OpenAI's accounting: the input includes its cached tokens (billed at the cache-read rate), the output its reasoning.</summary>
    public static decimal OpenAI(string model, long input, long cached, long output)
    {
        var price = Price(model);
        return (input - cached) * price.InputPerToken + cached * price.CacheReadPerToken!.Value + output * price.OutputPerToken;
    }

    /// <summary>Anthropic's accounting: <c>input_tokens</c> excludes cache reads and writes, and each kind is billed at its own rate.</summary>
    public static decimal Anthropic(string model, long uncachedInput, long cacheRead, long cacheWrite, long output)
    {
        var price = Price(model);
        return uncachedInput * price.InputPerToken + cacheRead * price.CacheReadPerToken!.Value
            + cacheWrite * price.CacheWritePerToken!.Value + output * price.OutputPerToken;
    }

    private static ModelPrice Price(string model) =>
        PriceCatalog.Embedded.Find(model) ?? throw new InvalidOperationException($"{model} is not in the embedded catalog.");
}
