using Microsoft.Extensions.Configuration;
using Tokenwise.Caching;

namespace Tokenwise.Configuration;

/// <summary>One client-facing model's (or route's) cache settings, over <see cref="CacheOptions"/>'s.</summary>
public sealed class CacheModelOptions
{
    /// <summary><c>off</c>, <c>exact</c> or <c>semantic</c>; unset: the cache's mode.</summary>
    [ConfigurationKeyName("mode")]
    public CacheMode? Mode { get; set; }

    /// <summary>The similarity a semantic hit needs; unset: the cache's threshold.</summary>
    [ConfigurationKeyName("threshold")]
    public double? Threshold { get; set; }
}
