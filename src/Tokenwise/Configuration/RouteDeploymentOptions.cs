using Microsoft.Extensions.Configuration;

namespace Tokenwise.Configuration;

/// <summary>One deployment of a route.</summary>
public sealed class RouteDeploymentOptions
{
    /// <summary>Any model name the gateway resolves: a declared model, <c>provider/model</c>, or a catalog name.</summary>
    [ConfigurationKeyName("model")]
    public string? Model { get; set; }

    /// <summary>Share of traffic under <c>weighted</c>, relative to the others.</summary>
    [ConfigurationKeyName("weight")]
    public double Weight { get; set; } = 1;

    /// <summary>The deployment's own upstream request limit, for <c>headroom</c>.</summary>
    [ConfigurationKeyName("requests_per_minute")]
    public int? RequestsPerMinute { get; set; }

    /// <summary>The deployment's own upstream token limit, for <c>headroom</c>.</summary>
    [ConfigurationKeyName("tokens_per_minute")]
    public long? TokensPerMinute { get; set; }
}
