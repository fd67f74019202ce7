using System.Globalization;
using Tokenwise.Routing.Routes;

namespace Tokenwise.Hosting;

/// <summary>
/// Checks each learned route's share of strong calls once a minute and logs when it drifts from its target
/// (and when it comes back): a router calibrated on other traffic can double a bill without failing a
/// single request. <c>GET /admin/routes</c> shows the same figures at any time.
/// </summary>
public sealed partial class RouteDriftWatcher(IEnumerable<RoutePolicy> routes, TimeProvider time, ILogger<RouteDriftWatcher> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    private readonly RoutePolicy[] _learned = routes.Where(r => r.Learned is not null).ToArray();
    private readonly HashSet<string> _drifting = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_learned.Length == 0)
        {
            return;
        }

        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                Check();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    /// <summary>Logs each route whose drift state changed since the last check.</summary>
    public void Check()
    {
        foreach (var route in _learned)
        {
            var report = route.Learned!.Monitor.Report();
            if (report.Drifting && _drifting.Add(route.Name))
            {
                LogDrifting(logger, route.Name, Percent(report.StrongShare), Percent(report.TargetShare!.Value), report.Window);
            }
            else if (!report.Drifting && _drifting.Remove(route.Name))
            {
                LogBack(logger, route.Name, Percent(report.StrongShare), report.TargetShare is { } target ? Percent(target) : "-");
            }
        }
    }

    private static string Percent(double share) => string.Create(CultureInfo.InvariantCulture, $"{share * 100:0.0}%");

    [LoggerMessage(Level = LogLevel.Warning, Message = "Route {Route} sends {Share} of requests to its strong model against a target of {Target} (last {Window} decisions): recalibrate its threshold or retrain the router on this traffic.")]
    private static partial void LogDrifting(ILogger logger, string route, string share, string target, int window);

    [LoggerMessage(Level = LogLevel.Information, Message = "Route {Route} is back near its target share of strong calls: {Share} against {Target}.")]
    private static partial void LogBack(ILogger logger, string route, string share, string target);
}
