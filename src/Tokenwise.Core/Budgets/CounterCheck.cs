namespace Tokenwise.Budgets;

/// <summary>One change to one counter in an atomic admission.</summary>
/// <param name="Key">The counter's name, including its window, e.g. <c>budget:b1:team-a:1764547200</c>.</param>
/// <param name="Amount">What to add (negative to give back).</param>
/// <param name="Limit">When set, the whole admission fails if this counter would end above it.</param>
/// <param name="ExpiresAt">When the counter's window is over and it may be forgotten; null keeps it.</param>
public readonly record struct CounterCheck(string Key, decimal Amount, decimal? Limit, DateTimeOffset? ExpiresAt);
