using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using Tokenwise.Hosting;
using Tokenwise.Metering;

namespace Tokenwise.Benchmarks;

/// <summary>
/// The background usage writer's other work per record besides storing it: its metrics (<see cref="UsageMetrics"/>), with
/// OpenTelemetry listening and the Prometheus exporter attached, as the gateway runs. Like the store's work it is off the
/// request path but on the same CPUs. A batch of typical records, alike as they are under load.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ShortConfig))]
public class UsageMetricsBenchmarks
{
    private const int BatchSize = 256;
    private readonly UsageRecord[] _batch = new UsageRecord[BatchSize];
    private ServiceProvider _services = null!;
    private UsageMetrics _metrics = null!;

    [GlobalSetup]
    public void Setup()
    {
        var services = new ServiceCollection().AddMetrics();
        services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(UsageMetrics.MeterName).AddPrometheusExporter());
        _services = services.BuildServiceProvider();
        _services.GetRequiredService<MeterProvider>(); // starts listening
        _metrics = new UsageMetrics(_services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), new UsageLog());
        var now = DateTimeOffset.UtcNow;
        for (var i = 0; i < _batch.Length; i++)
        {
            _batch[i] = Payloads.ChatRecord(RequestIds.Next(now), now);
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _services.Dispose();

    [Benchmark(OperationsPerInvoke = BatchSize)]
    public void MetricsPerRecord() => _metrics.Record(_batch);
}
