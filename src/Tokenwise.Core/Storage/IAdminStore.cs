using Tokenwise.Access;
using Tokenwise.Budgets;

namespace Tokenwise.Storage;

/// <summary>
/// Virtual keys, budgets and rate limits, durable. The gateway loads them into memory at start and writes
/// through on every admin change; the request path reads only memory.
/// </summary>
public interface IAdminStore
{
    Task<IReadOnlyList<VirtualKey>> KeysAsync(CancellationToken cancellationToken = default);

    /// <summary>Inserts or replaces the key with the same id.</summary>
    Task SaveKeyAsync(VirtualKey key, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<Budget>> BudgetsAsync(CancellationToken cancellationToken = default);

    Task SaveBudgetAsync(Budget budget, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<RateLimit>> RateLimitsAsync(CancellationToken cancellationToken = default);

    Task SaveRateLimitAsync(RateLimit limit, CancellationToken cancellationToken = default);

    /// <summary>Deletes the budget with this id; false when there is none.</summary>
    Task<bool> DeleteBudgetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Deletes the rate limit with this id; false when there is none.</summary>
    Task<bool> DeleteRateLimitAsync(string id, CancellationToken cancellationToken = default);
}
