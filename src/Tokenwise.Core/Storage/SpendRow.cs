namespace Tokenwise.Storage;

/// <summary>One group of a spend report.</summary>
public sealed record SpendRow(
    string Group,
    long Requests,
    long Failed,
    long InputTokens,
    long CachedInputTokens,
    long OutputTokens,
    long ReasoningTokens,
    decimal CostUsd);
