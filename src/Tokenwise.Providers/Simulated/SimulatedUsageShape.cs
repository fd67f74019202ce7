namespace Tokenwise.Providers.Simulated;

/// <summary>
/// Which optional usage details a simulated answer reports, so tests can exercise every pricing path.
/// </summary>
/// <param name="CachedPromptShare">Share of prompt tokens reported as read from the prompt cache (0 to 1).</param>
/// <param name="ReasoningTokens">Hidden reasoning tokens added to the completion tokens.</param>
/// <param name="AudioShare">Share of the uncached prompt and of the visible completion reported as audio (0 to 1).</param>
public sealed record SimulatedUsageShape(double CachedPromptShare = 0, int ReasoningTokens = 0, double AudioShare = 0)
{
    public static SimulatedUsageShape Plain { get; } = new();
}
