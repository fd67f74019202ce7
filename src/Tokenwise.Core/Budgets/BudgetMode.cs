namespace Tokenwise.Budgets;

public enum BudgetMode
{
    /// <summary>A request that would take spend past the amount is rejected before any upstream call.</summary>
    Hard,
    /// <summary>Requests are answered; past the amount they carry a warning header and an alert is sent.</summary>
    Soft,
}
