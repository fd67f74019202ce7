using System.Buffers.Binary;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Tokenwise.Caching;
using Tokenwise.Metering;

namespace Tokenwise.Storage.Sqlite;

/// <summary>Cache entries in the gateway's SQLite file, so a restart keeps the cache.</summary>
public sealed class SqliteCacheStore(SqliteDatabase database) : ICacheStore
{
    private const string Columns = """
        key, namespace, key_id, team, model, tags, created_at_ms, expires_at_ms, stream, content_type, body,
        input_tokens, cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens, estimated,
        semantic_scope, question, embedder, embedding, cache_write_1h_tokens, service_tier, audio_input_tokens, audio_output_tokens,
        web_search_requests, search_context_size
        """;

    private static readonly string[] s_columnNames = Columns.Split(',', StringSplitOptions.TrimEntries);

    public async Task<IReadOnlyList<CacheEntry>> LoadAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var query = connection.CreateCommand();
        query.CommandText = $"SELECT {Columns} FROM cache_entries WHERE expires_at_ms > $now ORDER BY created_at_ms";
        query.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
        await using var reader = await query.ExecuteReaderAsync(cancellationToken);
        var entries = new List<CacheEntry>();
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(new CacheEntry
            {
                Key = reader.GetString(0),
                Namespace = reader.GetString(1),
                KeyId = SqliteDatabase.NullableString(reader, 2),
                Team = SqliteDatabase.NullableString(reader, 3),
                Model = reader.GetString(4),
                Tags = SqliteDatabase.NullableString(reader, 5) is { } tags ? JsonSerializer.Deserialize(tags, StorageJsonContext.Default.DictionaryStringString) : null,
                CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6)),
                ExpiresAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(7)),
                Stream = reader.GetInt64(8) != 0,
                ContentType = reader.GetString(9),
                Body = (byte[])reader.GetValue(10),
                Usage = new TokenUsage(reader.GetInt64(11), reader.GetInt64(12), reader.GetInt64(13), reader.GetInt64(14), reader.GetInt64(15))
                {
                    CacheWrite1hTokens = reader.GetInt64(21),
                    ServiceTier = SqliteDatabase.NullableString(reader, 22),
                    AudioInputTokens = reader.GetInt64(23),
                    AudioOutputTokens = reader.GetInt64(24),
                    WebSearchRequests = reader.GetInt64(25),
                    SearchContextSize = SqliteDatabase.NullableString(reader, 26),
                },
                Estimated = reader.GetInt64(16) != 0,
                Semantic = reader.IsDBNull(17) ? null
                    : new SemanticKey(reader.GetString(17), reader.GetString(18), FromBytes((byte[])reader.GetValue(20)), reader.GetString(19)),
            });
        }

        return entries;
    }

    public async Task SaveAsync(IReadOnlyList<CacheEntry> entries, CancellationToken cancellationToken = default)
    {
        if (entries.Count == 0)
        {
            return;
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = $"INSERT OR REPLACE INTO cache_entries ({Columns}) VALUES ({string.Join(", ", s_columnNames.Select(n => "$" + n))})";
        var parameters = s_columnNames.Select(n => insert.Parameters.Add(new SqliteParameter("$" + n, null))).ToArray();
        foreach (var e in entries)
        {
            object?[] values =
            [
                e.Key, e.Namespace, e.KeyId, e.Team, e.Model,
                e.Tags is null ? null : JsonSerializer.Serialize(e.Tags.ToDictionary(), StorageJsonContext.Default.DictionaryStringString),
                e.CreatedAt.ToUnixTimeMilliseconds(), e.ExpiresAt.ToUnixTimeMilliseconds(), e.Stream ? 1 : 0, e.ContentType, e.Body,
                e.Usage.InputTokens, e.Usage.CachedInputTokens, e.Usage.CacheWriteTokens, e.Usage.OutputTokens, e.Usage.ReasoningTokens, e.Estimated ? 1 : 0,
                e.Semantic?.Scope, e.Semantic?.Question, e.Semantic?.Embedder, e.Semantic is { } semantic ? ToBytes(semantic.Vector) : null,
                e.Usage.CacheWrite1hTokens, e.Usage.ServiceTier, e.Usage.AudioInputTokens, e.Usage.AudioOutputTokens,
                e.Usage.WebSearchRequests, e.Usage.SearchContextSize,
            ];
            for (var i = 0; i < values.Length; i++)
            {
                parameters[i].Value = values[i] ?? DBNull.Value;
            }

            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public async Task DeleteAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await using var delete = connection.CreateCommand();
        delete.Transaction = transaction;
        delete.CommandText = "DELETE FROM cache_entries WHERE key = $key";
        var key = delete.Parameters.Add(new SqliteParameter("$key", null));
        foreach (var k in keys)
        {
            key.Value = k;
            await delete.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    // Vectors are kept as float32 little-endian, so a file moves between machines unchanged.
    private static byte[] ToBytes(float[] vector)
    {
        var bytes = new byte[vector.Length * sizeof(float)];
        for (var i = 0; i < vector.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), vector[i]);
        }

        return bytes;
    }

    private static float[] FromBytes(byte[] bytes)
    {
        var vector = new float[bytes.Length / sizeof(float)];
        for (var i = 0; i < vector.Length; i++)
        {
            vector[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i * sizeof(float)));
        }

        return vector;
    }
}
