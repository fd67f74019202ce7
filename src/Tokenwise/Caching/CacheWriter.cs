using Tokenwise.Caching;

namespace Tokenwise.Hosting;

/// <summary>Writes new cache entries to the store in batches, off the request path; drains on shutdown.</summary>
public sealed partial class CacheWriter(ResponseCache cache, ICacheStore store, ILogger<CacheWriter> logger) : BackgroundService
{
    private const int BatchSize = 100;

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

    private async Task SaveAsync(List<CacheEntry> batch, CancellationToken cancellationToken)
    {
        try
        {
            await store.SaveAsync(batch, cancellationToken);
        }
        catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or IOException)
        {
            LogSaveFailed(logger, batch.Count, e); // the entries still serve from memory until a restart
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not persist {Count} cache entries.")]
    private static partial void LogSaveFailed(ILogger logger, int count, Exception error);
}
