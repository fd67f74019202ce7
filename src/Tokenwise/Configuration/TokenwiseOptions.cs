using Microsoft.Extensions.Configuration;

namespace Tokenwise.Configuration;

/// <summary>
/// All settings, bound from the YAML file (<c>--config</c>) with environment variables
/// (<c>TOKENWISE_SECTION__KEY</c>) on top. docs/configuration.md documents each one.
/// </summary>
public sealed class TokenwiseOptions
{
    /// <summary>Admin/master key. Without one the gateway serves loopback only and requires no key.</summary>
    [ConfigurationKeyName("master_key")]
    public string? MasterKey { get; set; }

    /// <summary>Adds the simulated provider and serves any catalog model from it when its real provider is not configured.</summary>
    [ConfigurationKeyName("demo")]
    public bool Demo { get; set; }

    [ConfigurationKeyName("server")]
    public ServerOptions Server { get; set; } = new();

    [ConfigurationKeyName("storage")]
    public StorageOptions Storage { get; set; } = new();

    [ConfigurationKeyName("upstream")]
    public UpstreamOptions Upstream { get; set; } = new();

    [ConfigurationKeyName("pricing")]
    public PricingOptions Pricing { get; set; } = new();

    [ConfigurationKeyName("budgets")]
    public BudgetOptions Budgets { get; set; } = new();

    [ConfigurationKeyName("cache")]
    public CacheOptions Cache { get; set; } = new();

    [ConfigurationKeyName("providers")]
    public Dictionary<string, ProviderOptions> Providers { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    [ConfigurationKeyName("models")]
    public List<ModelOptions> Models { get; set; } = [];

    [ConfigurationKeyName("routes")]
    public List<ModelRouteOptions> Routes { get; set; } = [];
}
