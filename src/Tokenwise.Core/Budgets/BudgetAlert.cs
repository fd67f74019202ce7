namespace Tokenwise.Budgets;

/// <summary>
/// Settled spend in a budget's current window crossed one of its alert thresholds, or (<see cref="Refused"/>) a hard
/// budget refused a request: it is exhausted, though what was settled may still be short of the amount.
/// </summary>
/// <param name="Target">The budget's target, or for a <c>*</c> budget the key or session that crossed.</param>
public sealed record BudgetAlert(
    string BudgetId,
    BudgetScope Scope,
    string Target,
    BudgetPeriod Period,
    BudgetMode Mode,
    int Percent,
    decimal AmountUsd,
    decimal SpentUsd,
    DateTimeOffset WindowStart,
    DateTimeOffset? ResetsAt,
    DateTimeOffset At)
{
    /// <summary>Sent for the first request a hard budget refused in its window, as its 100 % alert.</summary>
    public bool Refused { get; init; }
}
