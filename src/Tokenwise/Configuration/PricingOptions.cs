using Microsoft.Extensions.Configuration;

namespace Tokenwise.Configuration;

public sealed class PricingOptions
{
    /// <summary>A catalog file in LiteLLM's schema whose entries replace or add to the shipped catalog.</summary>
    [ConfigurationKeyName("overrides_file")]
    public string? OverridesFile { get; set; }
}
