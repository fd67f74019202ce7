namespace Tokenwise.Budgets;

/// <summary>How often a budget starts again: calendar-aligned in the configured time zone, or never.</summary>
public enum BudgetPeriod
{
    Hour,
    Day,
    /// <summary>Monday 00:00 to Monday 00:00 (ISO 8601 weeks).</summary>
    Week,
    Month,
    Lifetime,
}
