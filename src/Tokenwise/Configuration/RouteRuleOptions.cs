using Microsoft.Extensions.Configuration;

namespace Tokenwise.Configuration;

/// <summary>A rule of a route: when every condition set holds, <see cref="Use"/> is tried first.</summary>
public sealed class RouteRuleOptions
{
    /// <summary>The model to send to: one of the route's deployments or any model the gateway resolves.</summary>
    [ConfigurationKeyName("use")]
    public string? Use { get; set; }

    [ConfigurationKeyName("min_prompt_tokens")]
    public long? MinPromptTokens { get; set; }

    [ConfigurationKeyName("max_prompt_tokens")]
    public long? MaxPromptTokens { get; set; }

    [ConfigurationKeyName("has_tools")]
    public bool? HasTools { get; set; }

    [ConfigurationKeyName("has_images")]
    public bool? HasImages { get; set; }

    /// <summary><c>name=value</c>.</summary>
    [ConfigurationKeyName("tag")]
    public string? Tag { get; set; }

    [ConfigurationKeyName("team")]
    public string? Team { get; set; }

    /// <summary>A virtual key's id (<c>key_...</c>).</summary>
    [ConfigurationKeyName("key")]
    public string? Key { get; set; }

    /// <summary>A .NET regular expression matched against the latest user message.</summary>
    [ConfigurationKeyName("regex")]
    public string? Regex { get; set; }
}
