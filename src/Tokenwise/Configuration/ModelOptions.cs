using Microsoft.Extensions.Configuration;

namespace Tokenwise.Configuration;

/// <summary>A client-facing model name mapped to a provider's model, with optional price overrides (USD per token).</summary>
public sealed class ModelOptions
{
    [ConfigurationKeyName("name")]
    public string? Name { get; set; }

    [ConfigurationKeyName("provider")]
    public string? Provider { get; set; }

    [ConfigurationKeyName("upstream_model")]
    public string? UpstreamModel { get; set; }

    [ConfigurationKeyName("input_cost_per_token")]
    public decimal? InputCostPerToken { get; set; }

    [ConfigurationKeyName("output_cost_per_token")]
    public decimal? OutputCostPerToken { get; set; }

    [ConfigurationKeyName("cache_read_input_token_cost")]
    public decimal? CacheReadInputTokenCost { get; set; }

    [ConfigurationKeyName("cache_creation_input_token_cost")]
    public decimal? CacheCreationInputTokenCost { get; set; }

    [ConfigurationKeyName("cache_creation_input_token_cost_above_1hr")]
    public decimal? CacheCreationInputTokenCostAbove1Hour { get; set; }

    [ConfigurationKeyName("output_cost_per_reasoning_token")]
    public decimal? OutputCostPerReasoningToken { get; set; }
}
