namespace Tokenwise.Budgets;

/// <summary>A cap on spend in USD for one scope and period.</summary>
/// <param name="Target">A key id, team name, tag <c>name=value</c> or session id; <c>*</c> caps each key or each session separately.</param>
/// <param name="AlertPercents">Alert when settled spend crosses these shares of the amount, e.g. 50, 80, 100.</param>
public sealed record Budget(
    string Id,
    BudgetScope Scope,
    string Target,
    decimal AmountUsd,
    BudgetPeriod Period,
    BudgetMode Mode,
    IReadOnlyList<int> AlertPercents)
{
    public const string EachTarget = "*";

    public static readonly IReadOnlyList<int> DefaultAlertPercents = [50, 80, 100];

    public string Describe() => $"{Scope.ToString().ToLowerInvariant()} '{Target}' {Period.ToString().ToLowerInvariant()} budget {Id}";
}
