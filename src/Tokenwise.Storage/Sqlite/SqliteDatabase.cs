using Microsoft.Data.Sqlite;

namespace Tokenwise.Storage.Sqlite;

/// <summary>The one SQLite file (WAL mode) that holds the usage log and the admin state: connections and schema.</summary>
public sealed class SqliteDatabase
{
    private readonly string _connectionString;

    public SqliteDatabase(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            // Microsoft.Data.Sqlite retries a busy database for this long, so writers wait for each other.
            DefaultTimeout = 30,
        }.ToString();
    }

    public string Path { get; }

    public static int SchemaVersion => SqliteMigrations.All.Count;

    /// <summary>Creates or migrates the schema to the version this build expects.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        var directory = System.IO.Path.GetDirectoryName(Path);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        await using var connection = await OpenAsync(cancellationToken);
        await ExecuteAsync(connection, "PRAGMA journal_mode=WAL;", cancellationToken);
        var version = Convert.ToInt32(await ScalarAsync(connection, "PRAGMA user_version;", cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        if (version > SqliteMigrations.All.Count)
        {
            throw new InvalidOperationException(
                $"The database '{Path}' has schema version {version}, newer than this Tokenwise ({SqliteMigrations.All.Count}). Upgrade Tokenwise.");
        }

        for (var next = version; next < SqliteMigrations.All.Count; next++)
        {
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
            await ExecuteAsync(connection, SqliteMigrations.All[next], cancellationToken, transaction);
            await ExecuteAsync(connection, $"PRAGMA user_version = {next + 1};", cancellationToken, transaction);
            await transaction.CommitAsync(cancellationToken);
        }
    }

    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        // Per connection: WAL makes NORMAL durable against application crashes.
        await ExecuteAsync(connection, "PRAGMA synchronous=NORMAL;", cancellationToken);
        return connection;
    }

    public static async Task ExecuteAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken, SqliteTransaction? transaction = null)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public static async Task<object?> ScalarAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync(cancellationToken);
    }

    public static string? NullableString(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}
