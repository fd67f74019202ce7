using System.Net.Http.Json;
using System.Threading.Channels;
using Polly;
using Polly.Retry;
using Tokenwise.Admin;
using Tokenwise.Budgets;

namespace Tokenwise.Hosting;

/// <summary>
/// Delivers budget alerts in the background: logged always, and POSTed as JSON to the configured webhook
/// with retries and backoff. The queue is bounded and drops the oldest alert when full, so a dead webhook
/// can neither hold up requests nor fill memory.
/// </summary>
public sealed partial class BudgetAlertSender : BackgroundService, IBudgetAlertSink
{
    private readonly Channel<BudgetAlert> _queue = Channel.CreateBounded<BudgetAlert>(
        new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    private readonly Uri? _webhook;
    private readonly HttpClient _http;
    private readonly ResiliencePipeline _retry;
    private readonly ILogger<BudgetAlertSender> _logger;

    public BudgetAlertSender(Uri? webhook, HttpClient http, TimeProvider time, ILogger<BudgetAlertSender> logger)
    {
        _webhook = webhook;
        _http = http;
        _logger = logger;
        _retry = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = 5,
                Delay = TimeSpan.FromSeconds(1),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = new PredicateBuilder().Handle<HttpRequestException>().Handle<TaskCanceledException>(),
            })
            .AddTimeout(TimeSpan.FromSeconds(10))
            .Build();
    }

    public void Post(BudgetAlert alert) => _queue.Writer.TryWrite(alert);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var alert in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            LogAlert(_logger, alert.Percent, alert.BudgetId, alert.Target, alert.SpentUsd, alert.AmountUsd);
            if (_webhook is null)
            {
                continue;
            }

            try
            {
                await _retry.ExecuteAsync(async token =>
                {
                    using var response = await _http.PostAsJsonAsync(_webhook, BudgetAlertMessage.From(alert), AdminJsonContext.Default.BudgetAlertMessage, token);
                    response.EnsureSuccessStatusCode();
                }, stoppingToken);
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !stoppingToken.IsCancellationRequested)
            {
                LogUndelivered(_logger, alert.BudgetId, e.Message);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Budget alert: {Percent}% of budget {BudgetId} ({Target}) spent: ${Spent} of ${Amount}.")]
    private static partial void LogAlert(ILogger logger, int percent, string budgetId, string target, decimal spent, decimal amount);

    [LoggerMessage(Level = LogLevel.Error, Message = "A budget alert for {BudgetId} could not be delivered to the webhook: {Reason}")]
    private static partial void LogUndelivered(ILogger logger, string budgetId, string reason);
}
