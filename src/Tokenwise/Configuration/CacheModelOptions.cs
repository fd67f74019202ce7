using Microsoft.Extensions.Configuration;
using Tokenwise.Caching;

namespace Tokenwise.Configuration;

/// <summary>One client-facing model's (or route's) cache settings, over <see cref="CacheOptions"/>'s.</summary>
public sealed class CacheModelOptions
{
    /// <summary>
    /// <c>off</c>, <c>exact</c> or <c>semantic</c>; unset: the cache's mode. Bound as text: the binder leaves a
    /// nullable enum unset on a bad value instead of failing, and a typo must stop start-up.
    /// </summary>
    [ConfigurationKeyName("mode")]
    public string? Mode { get; set; }

    /// <summary>The similarity a semantic hit needs; unset: the cache's threshold.</summary>
    [ConfigurationKeyName("threshold")]
    public double? Threshold { get; set; }

    /// <summary>The mode set, or null when unset or not a mode (which validation rejects at start-up).</summary>
    public CacheMode? ModeOrDefault() => Mode is not null && CacheDirectives.TryParseMode(Mode, out var mode) ? mode : null;
}
