using Tokenwise.Routing.Routes;

namespace Tokenwise.Configuration;

/// <summary>
/// Checks the <c>routes</c> settings that can be checked without the price catalog; that every model a
/// route names resolves is checked when the routes are built (<see cref="Hosting.RouteBuilder"/>).
/// </summary>
internal static class RouteOptionsValidator
{
    public static IEnumerable<TokenwiseOptionsValidator.Problem> Validate(TokenwiseOptions o)
    {
        var models = o.Models.Select(m => m.Name).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < o.Routes.Count; i++)
        {
            var r = o.Routes[i];
            var path = $"routes:{i}";
            if (string.IsNullOrWhiteSpace(r.Name))
            {
                yield return new(path + ":name", "is required.");
            }
            else if (!seen.Add(r.Name))
            {
                yield return new(path + ":name", $"'{r.Name}' is declared twice.");
            }
            else if (models.Contains(r.Name))
            {
                yield return new(path + ":name", $"'{r.Name}' is also a model under 'models'; a name is either a model or a route.");
            }
            else if (r.Name.Contains('/', StringComparison.Ordinal))
            {
                yield return new(path + ":name", "a route name cannot contain '/', which separates provider and model in model names.");
            }

            if (!RoutePolicy.TryParseStrategy(r.Strategy ?? "priority", out var strategy))
            {
                yield return new(path + ":strategy", $"must be one of {string.Join(", ", Enum.GetValues<RouteStrategy>().Select(RoutePolicy.StrategyName))}, got '{r.Strategy}'.");
            }

            if (strategy == RouteStrategy.Learned)
            {
                if (string.IsNullOrWhiteSpace(r.Strong) || string.IsNullOrWhiteSpace(r.Weak))
                {
                    yield return new(path + (string.IsNullOrWhiteSpace(r.Strong) ? ":strong" : ":weak"), "a learned route needs both strong and weak models.");
                }

                if (r.Deployments.Count > 0)
                {
                    yield return new(path + ":deployments", "a learned route's deployments are its strong and weak models; leave deployments out.");
                }
            }
            else
            {
                if (r.Deployments.Count == 0)
                {
                    yield return new(path + ":deployments", "needs at least one deployment (a model the gateway resolves).");
                }

                if (strategy == RouteStrategy.Cascade && r.Deployments.Count < 2)
                {
                    yield return new(path + ":deployments", "a cascade needs at least two deployments, cheapest first.");
                }

                if (r.Strong is not null || r.Weak is not null || r.RouterModel is not null || r.Threshold is not null || r.TargetStrongShare is not null)
                {
                    yield return new(path + ":strategy", "strong, weak, router_model, threshold and target_strong_share belong to learned routes.");
                }
            }

            for (var j = 0; j < r.Deployments.Count; j++)
            {
                var d = r.Deployments[j];
                var dPath = $"{path}:deployments:{j}";
                if (string.IsNullOrWhiteSpace(d.Model))
                {
                    yield return new(dPath + ":model", "is required.");
                }

                if (!(d.Weight > 0))
                {
                    yield return new(dPath + ":weight", $"must be greater than 0, got {d.Weight}.");
                }

                if (d.RequestsPerMinute is < 1 || d.TokensPerMinute is < 1)
                {
                    yield return new(dPath + (d.RequestsPerMinute is < 1 ? ":requests_per_minute" : ":tokens_per_minute"), "must be at least 1.");
                }

                foreach (var (key, seconds) in new[] { ("first_byte_timeout_seconds", d.FirstByteTimeoutSeconds), ("total_timeout_seconds", d.TotalTimeoutSeconds) })
                {
                    if (seconds is { } value && UpstreamOptions.TimeoutProblem(value) is { } problem)
                    {
                        yield return new($"{dPath}:{key}", problem);
                    }
                }
            }

            if (r.Threshold is < 0 or > 1)
            {
                yield return new(path + ":threshold", $"must be between 0 and 1, got {r.Threshold}.");
            }

            if (r.TargetStrongShare is <= 0 or > 1)
            {
                yield return new(path + ":target_strong_share", $"must be greater than 0 and at most 1, got {r.TargetStrongShare}.");
            }

            if (r.RouterModel is { } file && !File.Exists(file))
            {
                yield return new(path + ":router_model", $"the file '{Path.GetFullPath(file)}' does not exist.");
            }

            if (r.Sensitive is not (null or "off" or "local" or "redact"))
            {
                yield return new(path + ":sensitive", $"must be off, local or redact, got '{r.Sensitive}'.");
            }

            if (r.MaxReasoningEffort is { } effort && !ReasoningCap.Efforts.Contains(effort, StringComparer.OrdinalIgnoreCase))
            {
                yield return new(path + ":max_reasoning_effort", $"must be one of {string.Join(", ", ReasoningCap.Efforts)}, got '{effort}'.");
            }

            if (r.MaxThinkingTokens is < 1024)
            {
                yield return new(path + ":max_thinking_tokens", $"must be at least 1024 (Anthropic's smallest thinking budget), got {r.MaxThinkingTokens}.");
            }

            foreach (var name in r.Cascade.Checks ?? [])
            {
                if (!CascadeOptions.CheckNames.ContainsKey(name))
                {
                    yield return new(path + ":cascade:checks", $"'{name}' is not one of {string.Join(", ", CascadeOptions.CheckNames.Keys)}.");
                }
            }

            if (r.Cascade.EscalatePattern is { } escalate && !RoutePatterns.IsValid(escalate, out var badPattern))
            {
                yield return new(path + ":cascade:escalate_pattern", $"'{escalate}' is not a valid regular expression: {badPattern}");
            }

            if (strategy != RouteStrategy.Cascade && (r.Cascade.Checks is not null || r.Cascade.EscalatePattern is not null || r.Cascade.MinMeanLogprob is not null))
            {
                yield return new(path + ":cascade", "cascade settings belong to routes whose strategy is cascade.");
            }

            foreach (var problem in FallbackErrors(r.Fallback, path + ":fallback"))
            {
                yield return problem;
            }

            for (var j = 0; j < r.Rules.Count; j++)
            {
                foreach (var problem in RuleErrors(r.Rules[j], $"{path}:rules:{j}"))
                {
                    yield return problem;
                }
            }
        }
    }

    private static IEnumerable<TokenwiseOptionsValidator.Problem> FallbackErrors(FallbackOptions f, string path)
    {
        foreach (var name in f.On ?? [])
        {
            if (!FallbackOptions.TriggerNames.ContainsKey(name))
            {
                yield return new(path + ":on", $"'{name}' is not one of {string.Join(", ", FallbackOptions.TriggerNames.Keys)}.");
            }
        }

        if (f.MaxAttempts < 1)
        {
            yield return new(path + ":max_attempts", $"must be at least 1, got {f.MaxAttempts}.");
        }

        if (!(f.CooldownSeconds is >= 0 and <= UpstreamOptions.MaxTimeoutSeconds))
        {
            yield return new(path + ":cooldown_seconds", $"must be between 0 and {UpstreamOptions.MaxTimeoutSeconds} seconds (a day), got {f.CooldownSeconds}.");
        }

        if (f.FailuresBeforeCooldown < 1)
        {
            yield return new(path + ":failures_before_cooldown", $"must be at least 1, got {f.FailuresBeforeCooldown}.");
        }
    }

    private static IEnumerable<TokenwiseOptionsValidator.Problem> RuleErrors(RouteRuleOptions rule, string path)
    {
        if (string.IsNullOrWhiteSpace(rule.Use))
        {
            yield return new(path + ":use", "is required: the model this rule sends to.");
        }

        if (rule is { MinPromptTokens: null, MaxPromptTokens: null, HasTools: null, HasImages: null, Tag: null, Team: null, Key: null, Regex: null })
        {
            yield return new(path, "has no condition; set min_prompt_tokens, max_prompt_tokens, has_tools, has_images, tag, team, key or regex.");
        }

        if (rule.Tag is { } tag && (tag.IndexOf('=', StringComparison.Ordinal) <= 0 || tag.EndsWith('=')))
        {
            yield return new(path + ":tag", $"must be name=value, got '{tag}'.");
        }

        if (rule.Regex is { } pattern && !RoutePatterns.IsValid(pattern, out var why))
        {
            yield return new(path + ":regex", $"'{pattern}' is not a valid regular expression: {why}");
        }
    }
}
