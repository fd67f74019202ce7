using Tokenwise.Caching;

namespace Tokenwise.Hosting;

/// <summary>
/// Writes new cache entries to the store in batches, off the request path; drains on shutdown. Also removes
/// entries (admin invalidation), from memory and the store together, so a queued entry is never written back
/// after it was invalidated.
/// </summary>
public sealed partial class CacheWriter(ResponseCache cache, ICacheStore store, ILogger<CacheWriter> logger) : BackgroundService
{
    private const int BatchSize = 100;
    private readonly SemaphoreSlim _storeLock = new(1, 1); // a save and a removal never interleave

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reader = cache.PendingSaves;
        try
        {
            while (await reader.WaitToReadAsync(stoppingToken))
            {
                await DrainAsync(CancellationToken.None);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            await DrainAsync(CancellationToken.None); // keep what was cached before the stop
        }
    }

    /// <summary>Writes everything queued so far (tests call this to make a restart deterministic).</summary>
    public async Task DrainAsync(CancellationToken cancellationToken)
    {
        var batch = new List<CacheEntry>(BatchSize);
        while (cache.PendingSaves.TryRead(out var entry))
        {
            batch.Add(entry);
            if (batch.Count == BatchSize)
            {
                await SaveAsync(batch, cancellationToken);
                batch.Clear();
            }
        }

        await SaveAsync(batch, cancellationToken);
    }

    /// <summary>Removes every entry <paramref name="match"/> selects from memory and the store; returns how many.</summary>
    public async Task<int> RemoveAsync(Func<CacheEntry, bool> match, CancellationToken cancellationToken)
    {
        await _storeLock.WaitAsync(cancellationToken);
        try
        {
            var keys = cache.RemoveWhere(match);
            if (keys.Count > 0)
            {
                await store.DeleteAsync(keys, cancellationToken);
            }

            return keys.Count;
        }
        finally
        {
            _storeLock.Release();
        }
    }

    private async Task SaveAsync(List<CacheEntry> batch, CancellationToken cancellationToken)
    {
        await _storeLock.WaitAsync(cancellationToken);
        try
        {
            // Entries evicted or invalidated while queued are not written.
            await store.SaveAsync([.. batch.Where(cache.Holds)], cancellationToken);
        }
        catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or IOException)
        {
            LogSaveFailed(logger, batch.Count, e); // the entries still serve from memory until a restart
        }
        finally
        {
            _storeLock.Release();
        }
    }

    public override void Dispose()
    {
        _storeLock.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not persist {Count} cache entries.")]
    private static partial void LogSaveFailed(ILogger logger, int count, Exception error);
}
