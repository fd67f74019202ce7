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

    /// <summary>Replaces <c>upstream.first_byte_timeout_seconds</c> for calls to this deployment through this route.</summary>
    [ConfigurationKeyName("first_byte_timeout_seconds")]
    public double? FirstByteTimeoutSeconds { get; set; }

    /// <summary>Replaces <c>upstream.total_timeout_seconds</c> for calls to this deployment through this route.</summary>
    [ConfigurationKeyName("total_timeout_seconds")]
    public double? TotalTimeoutSeconds { get; set; }

    /// <summary>The gateway's <paramref name="defaults"/> with this deployment's own timeouts; null when it sets none.</summary>
    public Pipeline.UpstreamTimeouts? Timeouts(Pipeline.UpstreamTimeouts defaults) =>
        FirstByteTimeoutSeconds is null && TotalTimeoutSeconds is null ? null : defaults with
        {
            FirstByte = FirstByteTimeoutSeconds is { } firstByte ? TimeSpan.FromSeconds(firstByte) : defaults.FirstByte,
            Total = TotalTimeoutSeconds is { } total ? TimeSpan.FromSeconds(total) : defaults.Total,
        };
}
