namespace Tokenwise.Pricing;

/// <summary>
/// Prices that replace the base prices once a request's input exceeds <see cref="AboveInputTokens"/>
/// (LiteLLM's <c>*_above_200k_tokens</c> fields; the one-hour cache write's is
/// <c>cache_creation_input_token_cost_above_1hr_above_200k_tokens</c>). A null price keeps the base price.
/// </summary>
public sealed record PriceTier(
    long AboveInputTokens,
    decimal? InputPerToken,
    decimal? OutputPerToken,
    decimal? CacheReadPerToken,
    decimal? CacheWritePerToken,
    decimal? CacheWrite1hPerToken);
