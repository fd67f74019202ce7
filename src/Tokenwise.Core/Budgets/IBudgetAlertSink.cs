namespace Tokenwise.Budgets;

/// <summary>Receives budget alerts. Must return at once: alerts never hold up a request.</summary>
public interface IBudgetAlertSink
{
    void Post(BudgetAlert alert);
}
