namespace Tokenwise.Storage;

/// <summary>One model call of a session (an agent run or conversation, <c>x-tokenwise-session</c>), in the order it was made.</summary>
public sealed record SessionStep(string SessionId, DateTimeOffset StartedAt, long InputTokens, long CachedInputTokens, decimal CostUsd);
