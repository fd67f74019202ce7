namespace Tokenwise.Budgets;

/// <summary>The budgets and rate limits in force: an immutable snapshot, replaced whole when the admin API changes one.</summary>
public sealed class PolicyBook(IReadOnlyList<Budget> budgets, IReadOnlyList<RateLimit> rateLimits)
{
    public static readonly PolicyBook Empty = new([], []);

    public IReadOnlyList<Budget> Budgets { get; } = budgets;
    public IReadOnlyList<RateLimit> RateLimits { get; } = rateLimits;
    public bool IsEmpty => Budgets.Count == 0 && RateLimits.Count == 0;

    public PolicyBook With(Budget budget) => new([.. Budgets.Where(b => b.Id != budget.Id), budget], RateLimits);

    public PolicyBook With(RateLimit limit) => new(Budgets, [.. RateLimits.Where(l => l.Id != limit.Id), limit]);

    public PolicyBook WithoutBudget(string id) => new([.. Budgets.Where(b => b.Id != id)], RateLimits);

    public PolicyBook WithoutRateLimit(string id) => new(Budgets, [.. RateLimits.Where(l => l.Id != id)]);
}
