using System.Data.Common;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Tokenwise.Metering;
using Tokenwise.Storage;

namespace Tokenwise.Hosting;

/// <summary>
/// Drains the usage log into the store in batches, off the request path. A failed write is retried
/// with the same batch, so records are delayed, never dropped; on shutdown the queue is drained.
/// </summary>
public sealed partial class UsageLogWriter(UsageLog log, IUsageStore store, UsageMetrics metrics, int batchSize, TimeProvider time, ILogger<UsageLogWriter> logger)
    : BackgroundService
{
    /// <summary>What a model without a price means and how to give it one, said at start-up (GatewayHost) and at each model's first call.</summary>
    internal const string UnpricedAdvice = "neither the price catalog nor the config has one, so calls to such a model are logged at cost 0 (flagged unpriced) "
        + "and count nothing against soft budgets (hard budgets refuse them). Give each a price in its models entry (input_cost_per_token, output_cost_per_token) or in pricing.overrides_file.";

    /// <summary>What a model whose searches have no price means and how to price them, said at start-up and at each model's first call.</summary>
    internal const string UnpricedSearchesAdvice = "the catalog prices its tokens but not its searches, so they are logged at cost 0 and its calls "
        + "flagged unpriced (hard budgets refuse them). Give its entry in pricing.overrides_file a search_context_cost_per_query "
        + "(search_context_size_low, _medium and _high, USD per search).";

    private const int MaxAttemptsAtShutdown = 10;
    // Models warned about as unpriced; bounded, since clients choose provider/model addresses.
    private const int MaxUnpricedWarned = 1000;
    // A transaction costs nearly the same for one record as for hundreds: waiting briefly for a batch
    // to fill keeps the writer's share of the CPU small under load (see bench/README.md).
    private static readonly TimeSpan s_batchWindow = TimeSpan.FromMilliseconds(50);
    private readonly HashSet<string> _unpricedWarned = new(StringComparer.Ordinal);
    private long _written;
    private long _failingSince; // the timestamp of the first failed write since the last that succeeded; 0 while writes succeed

    /// <summary>How long the store has refused every write (records wait in memory meanwhile); zero while writes succeed.</summary>
    public TimeSpan FailingFor => Interlocked.Read(ref _failingSince) is var since and not 0 ? time.GetElapsedTime(since) : TimeSpan.Zero;

    /// <summary>Records stored so far, for tests and monitoring.</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>Waits until every record enqueued before the call is in the store.</summary>
    public async Task FlushAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var target = log.Enqueued;
        var deadline = time.GetTimestamp() + (long)(timeout.TotalSeconds * time.TimestampFrequency);
        while (Written < target && time.GetTimestamp() < deadline)
        {
            await Task.Delay(5, cancellationToken);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<UsageRecord>(batchSize);
        // Shutdown completes the channel rather than cancelling this loop, so the backlog is drained.
        while (await log.Reader.WaitToReadAsync(CancellationToken.None))
        {
            if (log.Pending < batchSize && !stoppingToken.IsCancellationRequested)
            {
                await Task.Delay(s_batchWindow, time, CancellationToken.None);
            }

            while (batch.Count < batchSize && log.Reader.TryRead(out var record))
            {
                batch.Add(record);
            }

            metrics.Record(batch); // once per record, whatever becomes of the write
            WarnUnpriced(batch);

            await WriteWithRetryAsync(batch, stoppingToken);
            Interlocked.Add(ref _written, batch.Count);
            batch.Clear();
        }
    }

    /// <summary>
    /// Says, once per model, that a call was served by a model no price is known for: a provider/model address the catalog
    /// does not list is named nowhere else (configured models are named at start-up too), and its spend would read 0 without a word.
    /// </summary>
    private void WarnUnpriced(List<UsageRecord> batch)
    {
        foreach (var record in batch)
        {
            if (record is { Unpriced: true, Status: 200 } && _unpricedWarned.Count < MaxUnpricedWarned
                && _unpricedWarned.Add($"{record.Provider}/{record.UpstreamModel}"))
            {
                if (record.Usage.WebSearchRequests > 0 && record.CostUsd > 0)
                {
                    // Its tokens were priced: only its searches were not.
                    LogUnpricedSearches(logger, record.Provider, record.UpstreamModel, record.Id);
                }
                else
                {
                    LogUnpricedCall(logger, record.Provider, record.UpstreamModel, record.Id);
                }
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        log.Complete();
        await base.StopAsync(cancellationToken);
    }

    private async Task WriteWithRetryAsync(IReadOnlyList<UsageRecord> batch, CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(100);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await store.AppendAsync(batch, CancellationToken.None);
                Interlocked.Exchange(ref _failingSince, 0);
                return;
            }
            // Not the store failing but a record it cannot take (a value past its column's range): retried, the batch
            // would fail forever and stop the whole log. The others are stored one by one; such a record is logged whole.
            catch (Exception e) when (e is not (DbException or IOException or TimeoutException or OperationCanceledException))
            {
                if (batch.Count == 1)
                {
                    var r = batch[0];
                    LogRecordNotStorable(logger, r.Id, r.Model, r.Status, r.Usage.InputTokens, r.Usage.OutputTokens, r.CostUsd, e);
                    return;
                }

                foreach (var record in batch)
                {
                    await WriteWithRetryAsync([record], stoppingToken);
                }

                return;
            }
            // While running, retry for as long as it takes; at shutdown, give up after a few tries rather than hang.
            catch (Exception e) when (!stoppingToken.IsCancellationRequested || attempt < MaxAttemptsAtShutdown)
            {
                Interlocked.CompareExchange(ref _failingSince, time.GetTimestamp(), 0);
                LogWriteFailed(logger, batch.Count, attempt, e);
                await Task.Delay(delay, time, CancellationToken.None);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 5000));
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Critical,
        Message = "Usage record {Id} cannot be stored and is dropped: model {Model}, status {Status}, {InputTokens} input and {OutputTokens} output tokens, {CostUsd} USD.")]
    private static partial void LogRecordNotStorable(ILogger logger, string id, string model, int status, long inputTokens, long outputTokens, decimal costUsd, Exception error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No price is known for {Provider}/{UpstreamModel} (request {Id}): " + UnpricedAdvice)]
    private static partial void LogUnpricedCall(ILogger logger, string? provider, string? upstreamModel, string id);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No web search price is known for {Provider}/{UpstreamModel} (request {Id}): " + UnpricedSearchesAdvice)]
    private static partial void LogUnpricedSearches(ILogger logger, string? provider, string? upstreamModel, string id);

    [LoggerMessage(Level = LogLevel.Error, Message = "Storing {Count} usage records failed (attempt {Attempt}); retrying.")]
    private static partial void LogWriteFailed(ILogger logger, int count, int attempt, Exception error);
}
