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

    /// <summary>Requests, tokens and cost since <paramref name="since"/>, grouped as asked, largest spend first (by day: oldest first).</summary>
    Task<IReadOnlyList<SpendRow>> SpendAsync(DateTimeOffset since, SpendGrouping by, CancellationToken cancellationToken = default);
}
