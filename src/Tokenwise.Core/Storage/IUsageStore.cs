using Tokenwise.Budgets;
using Tokenwise.Metering;

namespace Tokenwise.Storage;

/// <summary>The durable usage log. Implemented by SQLite (embedded default) and, later, PostgreSQL.</summary>
public interface IUsageStore
{
    /// <summary>Creates or migrates the schema to the version this build expects.</summary>
    Task InitializeAsync(CancellationToken cancellationToken = default);

    /// <summary>Appends records in one transaction: all of them are stored or none.</summary>
    Task AppendAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken = default);

    /// <summary>The most recent records, newest first.</summary>
    Task<IReadOnlyList<UsageRecord>> LatestAsync(int limit, CancellationToken cancellationToken = default);

    /// <summary>Requests, tokens and cost, grouped as asked, largest spend first (by day: oldest first).</summary>
    Task<IReadOnlyList<SpendRow>> SpendAsync(SpendQuery query, CancellationToken cancellationToken = default);

    /// <summary>What one budget target spent since <paramref name="since"/>, so a restart keeps the budget's count.</summary>
    Task<decimal> SpentAsync(BudgetScope scope, string target, DateTimeOffset since, CancellationToken cancellationToken = default);

    /// <summary>What cache hits avoided paying (the log's saved column) since <paramref name="since"/>.</summary>
    Task<decimal> SavedAsync(DateTimeOffset since, CancellationToken cancellationToken = default);

    /// <summary>Per route since <paramref name="since"/>: requests, reroutes, escalations, cost, and the baseline's cost for the same tokens.</summary>
    Task<IReadOnlyList<RouteRow>> RoutesAsync(DateTimeOffset since, CancellationToken cancellationToken = default);

    /// <summary>Every call a model answered since <paramref name="since"/> (not cache hits, which no model answered), oldest first.</summary>
    IAsyncEnumerable<BilledCall> BilledSinceAsync(DateTimeOffset since, CancellationToken cancellationToken = default);

    /// <summary>The model calls of every session since <paramref name="since"/>, ordered by session and then by time.</summary>
    IAsyncEnumerable<SessionStep> SessionStepsSinceAsync(DateTimeOffset since, CancellationToken cancellationToken = default);

    /// <summary>The chat and messages calls a model answered since <paramref name="since"/> whose request body was kept, oldest first.</summary>
    IAsyncEnumerable<LoggedRequest> LoggedRequestsSinceAsync(DateTimeOffset since, CancellationToken cancellationToken = default);

    /// <summary>Stores an outcome; a second report of the same id replaces the first (its status may change).</summary>
    Task RecordOutcomeAsync(Outcome outcome, CancellationToken cancellationToken = default);

    /// <summary>Outcomes reported since <paramref name="since"/>, per workflow, with what their requests cost.</summary>
    Task<IReadOnlyList<WorkflowRow>> WorkflowsAsync(DateTimeOffset since, CancellationToken cancellationToken = default);
}
