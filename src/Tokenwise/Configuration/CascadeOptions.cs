using Microsoft.Extensions.Configuration;
using Tokenwise.Routing.Routes;

namespace Tokenwise.Configuration;

/// <summary>A cascade route's checks on each cheaper model's answer.</summary>
public sealed class CascadeOptions
{
    /// <summary>Any of <c>json</c>, <c>tool_call</c>, <c>refusal</c>, <c>empty</c>, <c>length</c>; the five when unset. <c>regex</c> and <c>logprob</c> join when their settings are set.</summary>
    [ConfigurationKeyName("checks")]
    public List<string>? Checks { get; set; }

    /// <summary>A .NET regular expression: an answer that matches it escalates.</summary>
    [ConfigurationKeyName("escalate_pattern")]
    public string? EscalatePattern { get; set; }

    /// <summary>An answer whose mean token log-probability is under this escalates (when the request asks for <c>logprobs</c>).</summary>
    [ConfigurationKeyName("min_mean_logprob")]
    public double? MinMeanLogprob { get; set; }

    /// <summary>The config names of the checks.</summary>
    public static IReadOnlyDictionary<string, CascadeChecks> CheckNames { get; } = new Dictionary<string, CascadeChecks>(StringComparer.OrdinalIgnoreCase)
    {
        ["json"] = CascadeChecks.Json,
        ["tool_call"] = CascadeChecks.ToolCall,
        ["refusal"] = CascadeChecks.Refusal,
        ["empty"] = CascadeChecks.Empty,
        ["length"] = CascadeChecks.Length,
        ["regex"] = CascadeChecks.Pattern,
        ["logprob"] = CascadeChecks.Confidence,
    };

    /// <summary>The policy these settings describe (validated first).</summary>
    public CascadePolicy ToPolicy()
    {
        var checks = Checks?.Aggregate(CascadeChecks.None, (all, name) => all | CheckNames[name]) ?? CascadeChecks.Default;
        if (EscalatePattern is not null)
        {
            checks |= CascadeChecks.Pattern;
        }

        if (MinMeanLogprob is not null)
        {
            checks |= CascadeChecks.Confidence;
        }

        return new CascadePolicy(checks,
            EscalatePattern is { } pattern ? RoutePatterns.Create(pattern) : null,
            MinMeanLogprob);
    }
}
