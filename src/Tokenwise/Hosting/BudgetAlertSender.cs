using System.Net.Http.Json;
using System.Threading.Channels;
using Polly;
using Polly.Retry;
using Polly.Timeout;
using Tokenwise.Admin;
using Tokenwise.Budgets;

namespace Tokenwise.Hosting;

/// <summary>
/// Delivers budget alerts: logged at once, as they are raised (not behind earlier alerts' deliveries, which take
/// minutes with a dead webhook), and POSTed as JSON to the configured webhook in the background, with retries and
/// backoff. The queue is bounded and drops the oldest alert when full, so a dead webhook
/// can neither hold up requests nor fill memory; an alert that cannot be delivered is logged and dropped,
/// so a failing webhook can never stop the sender (or, through it, the gateway).
/// </summary>
public sealed partial class BudgetAlertSender : BackgroundService, IBudgetAlertSink
{
    private static readonly TimeSpan s_attemptTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan s_firstRetryDelay = TimeSpan.FromSeconds(1);

    private readonly Channel<BudgetAlert> _queue = Channel.CreateBounded<BudgetAlert>(
        new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    private readonly Uri? _webhook;
    private readonly HttpClient _http;
    private readonly ResiliencePipeline _retry;
    private readonly ILogger<BudgetAlertSender> _logger;

    public BudgetAlertSender(Uri? webhook, HttpClient http, TimeProvider time, ILogger<BudgetAlertSender> logger)
        : this(webhook, http, time, logger, s_attemptTimeout, s_firstRetryDelay)
    {
    }

    /// <param name="attemptTimeout">How long one delivery may take before it counts as failed (tests shorten it).</param>
    /// <param name="firstRetryDelay">The backoff before the first retry; it doubles (with jitter) for each next one.</param>
    internal BudgetAlertSender(Uri? webhook, HttpClient http, TimeProvider time, ILogger<BudgetAlertSender> logger, TimeSpan attemptTimeout,
        TimeSpan firstRetryDelay)
    {
        _webhook = webhook;
        _http = http;
        _logger = logger;
        _retry = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = 5,
                Delay = firstRetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                // A webhook that is down, refuses, or never answers (the inner timeout) is worth another try;
                // cancellation by shutdown is not.
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is HttpRequestException or TimeoutRejectedException
                    || (args.Outcome.Exception is OperationCanceledException && !args.Context.CancellationToken.IsCancellationRequested)),
            })
            .AddTimeout(attemptTimeout)
            .Build();
    }

    public void Post(BudgetAlert alert)
    {
        if (alert.Refused)
        {
            LogExhausted(_logger, alert.BudgetId, alert.Target, alert.SpentUsd, alert.AmountUsd);
        }
        else
        {
            LogAlert(_logger, alert.Percent, alert.BudgetId, alert.Target, alert.SpentUsd, alert.AmountUsd);
        }

        if (_webhook is not null)
        {
            _queue.Writer.TryWrite(alert);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var alert in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                await _retry.ExecuteAsync(async token =>
                {
                    using var response = await _http.PostAsJsonAsync(_webhook, BudgetAlertMessage.From(alert), AdminJsonContext.Default.BudgetAlertMessage, token);
                    response.EnsureSuccessStatusCode();
                }, stoppingToken);
            }
            // Whatever went wrong with this alert, the next one is still sent: an exception escaping here would
            // fault the hosted service, and a faulted hosted service stops the host.
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                LogDropped(_logger, alert.Percent, alert.BudgetId, e.Message);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Budget alert: {Percent}% of budget {BudgetId} ({Target}) spent: ${Spent} of ${Amount}.")]
    private static partial void LogAlert(ILogger logger, int percent, string budgetId, string target, decimal spent, decimal amount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Budget alert: budget {BudgetId} ({Target}) is exhausted and refuses requests: ${Spent} of ${Amount} spent.")]
    private static partial void LogExhausted(ILogger logger, string budgetId, string target, decimal spent, decimal amount);

    [LoggerMessage(Level = LogLevel.Error, Message = "The {Percent}% alert of budget {BudgetId} could not be delivered to the webhook, retries included, and was dropped: {Reason}")]
    private static partial void LogDropped(ILogger logger, int percent, string budgetId, string reason);
}
