using Microsoft.Extensions.Configuration;

namespace Tokenwise.Configuration;

/// <summary>A route: a client-facing model name served by a policy over deployments (docs/routing.md).</summary>
public sealed class ModelRouteOptions
{
    /// <summary>The model name clients send, e.g. <c>auto</c>; it must not also be a declared model.</summary>
    [ConfigurationKeyName("name")]
    public string? Name { get; set; }

    /// <summary><c>priority</c> (the default), <c>weighted</c>, <c>least-latency</c>, <c>least-cost</c>, <c>headroom</c>, <c>learned</c> or <c>cascade</c>.</summary>
    [ConfigurationKeyName("strategy")]
    public string? Strategy { get; set; }

    [ConfigurationKeyName("deployments")]
    public List<RouteDeploymentOptions> Deployments { get; set; } = [];

    /// <summary>Checked in order; the first that matches sends to its deployment first.</summary>
    [ConfigurationKeyName("rules")]
    public List<RouteRuleOptions> Rules { get; set; } = [];

    [ConfigurationKeyName("fallback")]
    public FallbackOptions Fallback { get; set; } = new();

    /// <summary>Learned routes: the strong model (also the default baseline).</summary>
    [ConfigurationKeyName("strong")]
    public string? Strong { get; set; }

    /// <summary>Learned routes: the weak (cheap) model.</summary>
    [ConfigurationKeyName("weak")]
    public string? Weak { get; set; }

    /// <summary>Learned routes: a model file from <c>tokenwise router train</c>; the shipped model when unset.</summary>
    [ConfigurationKeyName("router_model")]
    public string? RouterModel { get; set; }

    /// <summary>Learned routes: scores at or above it go strong; the model file's calibrated threshold when unset.</summary>
    [ConfigurationKeyName("threshold")]
    public double? Threshold { get; set; }

    /// <summary>Learned routes: the share of strong calls the drift monitor holds the route to; the model's calibration target when unset.</summary>
    [ConfigurationKeyName("target_strong_share")]
    public double? TargetStrongShare { get; set; }

    /// <summary>The deployment whose price is every decision's counterfactual; by default the strong model, a cascade's last step, or the first deployment.</summary>
    [ConfigurationKeyName("baseline")]
    public string? Baseline { get; set; }

    /// <summary>Cascade routes: what each cheaper answer is checked for before the next model is tried.</summary>
    [ConfigurationKeyName("cascade")]
    public CascadeOptions Cascade { get; set; } = new();

    /// <summary><c>off</c> (the default), <c>local</c> (prompts with personal data or secrets go only to local deployments) or <c>redact</c> (cloud deployments get them redacted, answers restored).</summary>
    [ConfigurationKeyName("sensitive")]
    public string? Sensitive { get; set; }

    /// <summary><c>minimal</c>, <c>low</c>, <c>medium</c> or <c>high</c>: a request asking for more reasoning effort gets this.</summary>
    [ConfigurationKeyName("max_reasoning_effort")]
    public string? MaxReasoningEffort { get; set; }

    /// <summary>A request asking for a larger Anthropic thinking budget gets this many tokens.</summary>
    [ConfigurationKeyName("max_thinking_tokens")]
    public long? MaxThinkingTokens { get; set; }
}
