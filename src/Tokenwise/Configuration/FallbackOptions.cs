using Microsoft.Extensions.Configuration;
using Tokenwise.Routing.Routes;

namespace Tokenwise.Configuration;

/// <summary>When a route moves on to its next deployment.</summary>
public sealed class FallbackOptions
{
    /// <summary>Any of <c>rate_limit</c>, <c>server_error</c>, <c>timeout</c>, <c>connection</c>, <c>context_length</c>; all of them when unset.</summary>
    [ConfigurationKeyName("on")]
    public List<string>? On { get; set; }

    [ConfigurationKeyName("max_attempts")]
    public int MaxAttempts { get; set; } = 3;

    [ConfigurationKeyName("cooldown_seconds")]
    public double CooldownSeconds { get; set; } = 30;

    [ConfigurationKeyName("failures_before_cooldown")]
    public int FailuresBeforeCooldown { get; set; } = 1;

    /// <summary>The config names of the triggers.</summary>
    public static IReadOnlyDictionary<string, FallbackTriggers> TriggerNames { get; } = new Dictionary<string, FallbackTriggers>(StringComparer.OrdinalIgnoreCase)
    {
        ["rate_limit"] = FallbackTriggers.RateLimit,
        ["server_error"] = FallbackTriggers.ServerError,
        ["timeout"] = FallbackTriggers.Timeout,
        ["connection"] = FallbackTriggers.Connection,
        ["context_length"] = FallbackTriggers.ContextLength,
    };

    /// <summary>The policy these settings describe (validated first).</summary>
    public FallbackPolicy ToPolicy() => new(
        On?.Aggregate(FallbackTriggers.None, (all, name) => all | TriggerNames[name]) ?? FallbackTriggers.All,
        MaxAttempts, TimeSpan.FromSeconds(CooldownSeconds), FailuresBeforeCooldown);
}
