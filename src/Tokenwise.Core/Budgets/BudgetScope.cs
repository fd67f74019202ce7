namespace Tokenwise.Budgets;

/// <summary>What a budget caps. Its target is a key id, a team name, a tag <c>name=value</c> or a session id.</summary>
public enum BudgetScope
{
    Key,
    Team,
    Tag,
    Session,
}
