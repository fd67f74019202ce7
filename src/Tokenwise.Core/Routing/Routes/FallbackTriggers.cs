namespace Tokenwise.Routing.Routes;

/// <summary>The failures after which a route tries its next deployment.</summary>
[Flags]
public enum FallbackTriggers
{
    None = 0,
    /// <summary>429 from the upstream.</summary>
    RateLimit = 1,
    /// <summary>5xx from the upstream (Anthropic's 529 overloaded included).</summary>
    ServerError = 2,
    /// <summary>The upstream did not answer within the gateway's connect, first-byte or total timeout.</summary>
    Timeout = 4,
    /// <summary>The upstream could not be reached, or the connection broke before the answer started.</summary>
    Connection = 8,
    /// <summary>The prompt does not fit the model's context window: tried next on a deployment with a larger one.</summary>
    ContextLength = 16,
    All = RateLimit | ServerError | Timeout | Connection | ContextLength,
}
