using System.Text.Json;
using Microsoft.Data.Sqlite;
using Tokenwise.Access;
using Tokenwise.Budgets;

namespace Tokenwise.Storage.Sqlite;

/// <summary>Keys, budgets and rate limits in the same SQLite file as the usage log.</summary>
public sealed class SqliteAdminStore(SqliteDatabase database) : IAdminStore
{
    public async Task<IReadOnlyList<VirtualKey>> KeysAsync(CancellationToken cancellationToken = default)
    {
        var keys = new List<VirtualKey>();
        await foreach (var reader in QueryAsync(
            "SELECT id, name, team, hash, prefix, created_at_ms, allowed_models, expires_at_ms, revoked_at_ms, metadata FROM virtual_keys ORDER BY created_at_ms",
            cancellationToken))
        {
            keys.Add(new VirtualKey
            {
                Id = reader.GetString(0),
                Name = reader.GetString(1),
                Team = reader.GetString(2),
                Hash = reader.GetString(3),
                Prefix = reader.GetString(4),
                CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)),
                AllowedModels = JsonSerializer.Deserialize(reader.GetString(6), StorageJsonContext.Default.StringArray) ?? [],
                ExpiresAt = reader.IsDBNull(7) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(7)),
                RevokedAt = reader.IsDBNull(8) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(8)),
                Metadata = JsonSerializer.Deserialize(reader.GetString(9), StorageJsonContext.Default.DictionaryStringString) ?? [],
            });
        }

        return keys;
    }

    public Task SaveKeyAsync(VirtualKey key, CancellationToken cancellationToken = default) => ExecuteAsync("""
        INSERT OR REPLACE INTO virtual_keys (id, name, team, hash, prefix, created_at_ms, allowed_models, expires_at_ms, revoked_at_ms, metadata)
        VALUES ($id, $name, $team, $hash, $prefix, $created, $models, $expires, $revoked, $metadata)
        """, cancellationToken,
        ("$id", key.Id), ("$name", key.Name), ("$team", key.Team), ("$hash", key.Hash), ("$prefix", key.Prefix),
        ("$created", key.CreatedAt.ToUnixTimeMilliseconds()),
        ("$models", JsonSerializer.Serialize(key.AllowedModels.ToArray(), StorageJsonContext.Default.StringArray)),
        ("$expires", key.ExpiresAt?.ToUnixTimeMilliseconds()), ("$revoked", key.RevokedAt?.ToUnixTimeMilliseconds()),
        ("$metadata", JsonSerializer.Serialize(key.Metadata.ToDictionary(StringComparer.Ordinal), StorageJsonContext.Default.DictionaryStringString)));

    public async Task<IReadOnlyList<Budget>> BudgetsAsync(CancellationToken cancellationToken = default)
    {
        var budgets = new List<Budget>();
        await foreach (var reader in QueryAsync("SELECT id, scope, target, amount_picousd, period, mode, alert_percents FROM budgets ORDER BY id", cancellationToken))
        {
            budgets.Add(new Budget(reader.GetString(0), Enum.Parse<BudgetScope>(reader.GetString(1), ignoreCase: true), reader.GetString(2),
                CostUnits.FromPicoUsd(reader.GetInt64(3)), Enum.Parse<BudgetPeriod>(reader.GetString(4), ignoreCase: true),
                Enum.Parse<BudgetMode>(reader.GetString(5), ignoreCase: true),
                JsonSerializer.Deserialize(reader.GetString(6), StorageJsonContext.Default.Int32Array) ?? []));
        }

        return budgets;
    }

    public Task SaveBudgetAsync(Budget budget, CancellationToken cancellationToken = default) => ExecuteAsync("""
        INSERT OR REPLACE INTO budgets (id, scope, target, amount_picousd, period, mode, alert_percents)
        VALUES ($id, $scope, $target, $amount, $period, $mode, $alerts)
        """, cancellationToken,
        ("$id", budget.Id), ("$scope", Name(budget.Scope)), ("$target", budget.Target), ("$amount", CostUnits.ToPicoUsd(budget.AmountUsd)),
        ("$period", Name(budget.Period)), ("$mode", Name(budget.Mode)),
        ("$alerts", JsonSerializer.Serialize(budget.AlertPercents.ToArray(), StorageJsonContext.Default.Int32Array)));

    public async Task<IReadOnlyList<RateLimit>> RateLimitsAsync(CancellationToken cancellationToken = default)
    {
        var limits = new List<RateLimit>();
        await foreach (var reader in QueryAsync(
            "SELECT id, scope, target, requests_per_minute, tokens_per_minute, max_concurrent FROM rate_limits ORDER BY id", cancellationToken))
        {
            limits.Add(new RateLimit(reader.GetString(0), Enum.Parse<RateLimitScope>(reader.GetString(1), ignoreCase: true), reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetInt64(3), reader.IsDBNull(4) ? null : reader.GetInt64(4), reader.IsDBNull(5) ? null : reader.GetInt64(5)));
        }

        return limits;
    }

    public Task SaveRateLimitAsync(RateLimit limit, CancellationToken cancellationToken = default) => ExecuteAsync("""
        INSERT OR REPLACE INTO rate_limits (id, scope, target, requests_per_minute, tokens_per_minute, max_concurrent)
        VALUES ($id, $scope, $target, $rpm, $tpm, $concurrent)
        """, cancellationToken,
        ("$id", limit.Id), ("$scope", Name(limit.Scope)), ("$target", limit.Target),
        ("$rpm", limit.RequestsPerMinute), ("$tpm", limit.TokensPerMinute), ("$concurrent", limit.MaxConcurrent));

    public Task<bool> DeleteBudgetAsync(string id, CancellationToken cancellationToken = default) => DeleteAsync("budgets", id, cancellationToken);

    public Task<bool> DeleteRateLimitAsync(string id, CancellationToken cancellationToken = default) => DeleteAsync("rate_limits", id, cancellationToken);

    private async Task<bool> DeleteAsync(string table, string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"DELETE FROM {table} WHERE id = $id";
        command.Parameters.AddWithValue("$id", id);
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    private static string Name<T>(T value)
        where T : struct, Enum => value.ToString().ToLowerInvariant();

    private async Task ExecuteAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async IAsyncEnumerable<SqliteDataReader> QueryAsync(string sql, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return reader;
        }
    }
}
