using System.Globalization;
using Tokenwise.Configuration;
using Tokenwise.Embeddings;
using Tokenwise.Pipeline;
using Tokenwise.Routing;
using Tokenwise.Routing.Routes;

namespace Tokenwise.Hosting;

/// <summary>
/// Builds the routes from validated settings: every model a route names must resolve (as a client would
/// name it), so a route that cannot serve is a start-up error naming the setting, not a 404 at run time.
/// </summary>
internal static class RouteBuilder
{
    /// <exception cref="ConfigurationException">A route names a model that does not resolve, or its router model cannot be read.</exception>
    public static IReadOnlyDictionary<string, RoutePolicy> Build(IReadOnlyList<ModelRouteOptions> routes, ModelResolver resolver, UpstreamTimeouts timeouts,
        Func<ITextEmbedder> embedder)
    {
        var errors = new List<string>();
        var built = new Dictionary<string, RoutePolicy>(StringComparer.Ordinal);
        for (var i = 0; i < routes.Count; i++)
        {
            var r = routes[i];
            var path = $"routes.{i}";
            RouteTarget? Resolve(string? model, string where, RouteDeploymentOptions? options = null)
            {
                if (model is null)
                {
                    return null;
                }

                if (!resolver.TryResolve(model, out var deployment, out var error))
                {
                    errors.Add($"{where}: {error.Message}");
                    return null;
                }

                if (options?.Timeouts(timeouts) is { } own)
                {
                    deployment = deployment with { Timeouts = own };
                }

                return new RouteTarget(model, deployment, options?.Weight ?? 1, options?.RequestsPerMinute, options?.TokensPerMinute);
            }

            RoutePolicy.TryParseStrategy(r.Strategy ?? "priority", out var strategy);
            var targets = new List<RouteTarget>();
            LearnedRoute? learned = null;
            if (strategy == RouteStrategy.Learned)
            {
                var strong = Resolve(r.Strong, path + ".strong");
                var weak = Resolve(r.Weak, path + ".weak");
                if (strong is not null && weak is not null)
                {
                    targets.AddRange([strong, weak]);
                    learned = Learned(r, strong, weak, embedder, path, errors);
                }
            }
            else
            {
                for (var j = 0; j < r.Deployments.Count; j++)
                {
                    if (Resolve(r.Deployments[j].Model, $"{path}.deployments.{j}.model", r.Deployments[j]) is { } target)
                    {
                        targets.Add(target);
                    }
                }
            }

            var rules = new List<RouteRule>();
            for (var j = 0; j < r.Rules.Count; j++)
            {
                var rule = r.Rules[j];
                var use = targets.FirstOrDefault(t => t.Model == rule.Use) ?? Resolve(rule.Use, $"{path}.rules.{j}.use");
                if (use is not null)
                {
                    rules.Add(new RouteRule
                    {
                        Index = j,
                        Use = use,
                        MinPromptTokens = rule.MinPromptTokens,
                        MaxPromptTokens = rule.MaxPromptTokens,
                        HasTools = rule.HasTools,
                        HasImages = rule.HasImages,
                        Tag = rule.Tag,
                        Team = rule.Team,
                        Key = rule.Key,
                        Pattern = rule.Regex is { } pattern ? RoutePatterns.Create(pattern) : null,
                    });
                }
            }

            if (targets.Count == 0 || targets.Count != (strategy == RouteStrategy.Learned ? 2 : r.Deployments.Count))
            {
                continue; // the errors say why
            }

            var baseline = r.Baseline is null ? DefaultBaseline(strategy, targets)
                : targets.FirstOrDefault(t => t.Model == r.Baseline) ?? Resolve(r.Baseline, path + ".baseline");
            if (baseline is null)
            {
                continue;
            }

            built[r.Name!] = new RoutePolicy
            {
                Name = r.Name!,
                Strategy = strategy,
                Targets = targets,
                Rules = rules,
                Fallback = r.Fallback.ToPolicy(),
                Baseline = baseline,
                Learned = learned,
                Cascade = r.Cascade.ToPolicy(),
                Sensitive = r.Sensitive switch
                {
                    "local" => SensitiveMode.Local,
                    "redact" => SensitiveMode.Redact,
                    _ => SensitiveMode.Off,
                },
                ReasoningCap = r.MaxReasoningEffort is not null || r.MaxThinkingTokens is not null ? new ReasoningCap(r.MaxReasoningEffort?.ToLowerInvariant(), r.MaxThinkingTokens) : null,
            };
        }

        if (errors.Count > 0)
        {
            throw new ConfigurationException(errors);
        }

        return built;
    }

    /// <summary>The strong model of a learned route, a cascade's last step, else the first deployment.</summary>
    private static RouteTarget DefaultBaseline(RouteStrategy strategy, List<RouteTarget> targets) => strategy switch
    {
        RouteStrategy.Learned => targets[0],
        RouteStrategy.Cascade => targets[^1],
        _ => targets[0],
    };

    private static LearnedRoute? Learned(ModelRouteOptions r, RouteTarget strong, RouteTarget weak, Func<ITextEmbedder> embedder, string path, List<string> errors)
    {
        RouterModel model;
        try
        {
            model = r.RouterModel is { } file ? RouterModel.Load(file) : RouterModel.LoadDefault();
        }
        catch (Exception e) when (e is IOException or FormatException or System.Text.Json.JsonException or UnauthorizedAccessException)
        {
            errors.Add($"{path}.router_model: '{r.RouterModel}' is not a router model from 'tokenwise router train': {e.Message}");
            return null;
        }

        var shared = embedder();
        if (!string.Equals(model.Embedder, shared.ModelId, StringComparison.Ordinal))
        {
            // A model trained on the local MiniLM needs only its precision set, or, where an endpoint embeds instead, the endpoint dropped.
            var hint = !MiniLmEmbedder.TryGetPrecision(model.Embedder, out var precision) ? ""
                : MiniLmEmbedder.TryGetPrecision(shared.ModelId, out _) ? $" (set cache.embeddings.precision: {CacheEmbeddingOptions.NameOf(precision)})"
                : $" (the embeddings endpoint cache.embeddings.url embeds for learned routes too: remove it to embed with the local all-MiniLM-L6-v2, precision {CacheEmbeddingOptions.NameOf(precision)})";
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{path}.router_model: the model was trained on {model.Embedder} embeddings; the gateway embeds with {shared.ModelId}{hint}."));
            return null;
        }

        return new LearnedRoute(strong, weak, new StrongWeakRouter(model), shared, r.Threshold ?? model.Threshold,
            r.TargetStrongShare ?? (model.Calibration.Target == "strong_share" ? model.Calibration.Value : null));
    }
}
