using System.Globalization;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tokenwise.Caching;
using Tokenwise.Hosting;
using Tokenwise.Metering;
using Tokenwise.OpenAI;
using Tokenwise.Pipeline;

namespace Tokenwise.Benchmarks;

/// <summary>
/// One non-streaming request through the production pipeline on the embedded defaults — authentication,
/// model resolution, the admission gate, the exact-cache lookup (a miss: its key is computed), routing —
/// with the endpoint's own work around it (record, request id, parse, cache controls, usage, cost, cost
/// header, enqueue). Only the upstream is replaced: the terminal hands back a canned answer instead of an
/// HTTP call. This is the path the allocation goal (≤ 4 KB per request) is about.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ShortConfig))]
public class DefaultPathBenchmarks
{
    private readonly ReadOnlyMemory<byte> _chatRequest = Payloads.ChatRequest;
    private readonly byte[] _response = Payloads.ChatCompletionResponse;
    private WebApplication _app = null!;
    private GatewayPipeline _pipeline = null!;
    private UsageLog _log = null!;
    private Task _drain = Task.CompletedTask;
    private string _directory = "";
    private Configuration.CacheOptions _cache = null!;

    [GlobalSetup]
    public void Setup()
    {
        _directory = Directory.CreateTempSubdirectory("tokenwise-bench-").FullName;
        _app = GatewayHost.Build(new GatewayStartOptions
        {
            Settings = new Dictionary<string, string?> { ["storage:sqlite_path"] = Path.Combine(_directory, "tokenwise.db") },
            Environment = new Dictionary<string, string?> { ["OPENAI_API_KEY"] = "sk-bench" },
            Logging = logging => logging.ClearProviders(),
        });
        _cache = _app.Services.GetRequiredService<Configuration.TokenwiseOptions>().Cache;
        // The production stages, in their production order, in front of a canned upstream answer.
        var stages = _app.Services.GetRequiredService<GatewayPipeline>().Stages;
        _pipeline = new GatewayPipeline(stages, _ => ValueTask.FromResult(GatewayResponse.From(
            new UpstreamResponse(200, "application/json", new MemoryStream(_response, writable: false)))));

        _log = new UsageLog();
        var reader = _log.Reader;
        _drain = Task.Run(async () =>
        {
            while (await reader.WaitToReadAsync())
            {
                while (reader.TryRead(out _))
                {
                }
            }
        });

        if (DefaultPath() <= 0)
        {
            throw new InvalidOperationException("The default path did not meter the canned answer.");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _log.Complete();
        _drain.GetAwaiter().GetResult();
        ((IDisposable)_app).Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark]
    public decimal DefaultPath()
    {
        var now = DateTimeOffset.UtcNow;
        var record = new UsageRecord { Id = RequestIds.Next(now), StartedAt = now, Endpoint = "chat.completions", Dialect = OpenAIRequestParser.Dialect };
        if (!OpenAIRequestParser.TryParse(_chatRequest, ApiKind.ChatCompletions, out var request, out _))
        {
            return -1;
        }

        record.Model = request.Model;
        var context = new GatewayContext(request, record, CancellationToken.None)
        {
            // As CacheHttp.Attach reads a request without cache headers, from the configured defaults.
            Cache = new CacheState(CacheDirectives.Parse(_cache.Mode, TimeSpan.FromSeconds(_cache.TtlSeconds), TimeSpan.FromSeconds(_cache.MaxTtlSeconds), "", "", "", out _)),
        };
        var pending = _pipeline.InvokeAsync(context);
        // Every stage and the canned upstream complete synchronously here; awaiting through a Task would add an allocation the gateway does not make.
        var response = pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
        using var upstream = response.Upstream!;
        if (OpenAIUsageReader.TryRead(_response, out var usage))
        {
            record.Usage = usage;
        }

        record.Status = upstream.StatusCode;
        record.CostUsd = context.Deployment!.Cost(record.Usage, 0);
        record.LatencyMs = record.CostUsd.ToString("0.############", CultureInfo.InvariantCulture).Length; // the cost header's string
        _log.Enqueue(record);
        return record.CostUsd;
    }
}
