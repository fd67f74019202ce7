using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Tokenwise.Metering;

namespace Tokenwise.Routing.Routes;

/// <summary>
/// A condition on the request and the deployment it sends to first when it holds; every condition set
/// must hold. The route's other deployments stay behind it as fallbacks.
/// </summary>
public sealed class RouteRule
{
    public required int Index { get; init; }
    public required RouteTarget Use { get; init; }
    public long? MinPromptTokens { get; init; }
    public long? MaxPromptTokens { get; init; }
    public bool? HasTools { get; init; }
    public bool? HasImages { get; init; }
    /// <summary><c>name=value</c>: the request carries this tag.</summary>
    public string? Tag { get; init; }
    public string? Team { get; init; }
    /// <summary>A virtual key's id.</summary>
    public string? Key { get; init; }
    /// <summary>Matched against the latest user message.</summary>
    public Regex? Pattern { get; init; }

    public bool Matches(RequestFeatures features, UsageRecord record)
    {
        return (MinPromptTokens is not { } min || features.PromptTokens >= min)
            && (MaxPromptTokens is not { } max || features.PromptTokens <= max)
            && (HasTools is not { } tools || features.HasTools == tools)
            && (HasImages is not { } images || features.HasImages == images)
            && (Tag is null || record.HasTag(Tag))
            && (Team is null || string.Equals(record.Team, Team, StringComparison.Ordinal))
            && (Key is null || string.Equals(record.KeyId, Key, StringComparison.Ordinal))
            && (Pattern is null || Pattern.IsMatch(features.LatestUserText));
    }

    /// <summary>The conditions in words, for the decision's reason, e.g. <c>rule 2 (has_tools, min_prompt_tokens 8000)</c>.</summary>
    public string Describe()
    {
        var conditions = new List<string>();
        var inv = CultureInfo.InvariantCulture;
        if (MinPromptTokens is { } min)
        {
            conditions.Add(string.Create(inv, $"min_prompt_tokens {min}"));
        }

        if (MaxPromptTokens is { } max)
        {
            conditions.Add(string.Create(inv, $"max_prompt_tokens {max}"));
        }

        if (HasTools is { } tools)
        {
            conditions.Add(tools ? "has_tools" : "no tools");
        }

        if (HasImages is { } images)
        {
            conditions.Add(images ? "has_images" : "no images");
        }

        if (Tag is not null)
        {
            conditions.Add("tag " + Tag);
        }

        if (Team is not null)
        {
            conditions.Add("team " + Team);
        }

        if (Key is not null)
        {
            conditions.Add("key " + Key);
        }

        if (Pattern is not null)
        {
            conditions.Add("regex");
        }

        return new StringBuilder("rule ").Append(Index).Append(" (").AppendJoin(", ", conditions).Append(')').ToString();
    }
}
