namespace Tokenwise.Budgets;

/// <summary>Settled spend in a budget's current window crossed one of its alert thresholds.</summary>
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
    DateTimeOffset At);
