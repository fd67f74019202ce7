using System.Globalization;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Tokenwise.Budgets;
using Tokenwise.Hosting;
using Tokenwise.Json;
using Tokenwise.Metering;
using Tokenwise.OpenAI;
using Tokenwise.Pipeline;
using Tokenwise.Pricing;
using Tokenwise.Streams;

namespace Tokenwise.Benchmarks;

/// <summary>
/// The gateway's own work on one request, piece by piece and all together, without any HTTP: what
/// Tokenwise adds on top of Kestrel and HttpClient.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ShortConfig))]
public class RequestPathBenchmarks
{
    private static readonly JsonDocumentOptions s_refuseRepeats = new() { AllowDuplicateProperties = false };

    private readonly ReadOnlyMemory<byte> _chatRequest = Payloads.ChatRequest;
    private readonly byte[] _response = Payloads.ChatCompletionResponse;
    private readonly byte[][] _events = Payloads.StreamEvents;
    private readonly byte[] _readBuffer = new byte[16 * 1024];
    private LlmRequest _streamingRequest = null!;
    private ModelPrice _price = null!;
    private ModelResolver _resolver = null!;
    private UsageLog _log = null!;
    private Task _drain = Task.CompletedTask;
    private AdmissionGate _gate = null!;
    private LlmRequest _chat = null!;
    private ModelDeployment _deployment = null!;

    [GlobalSetup]
    public void Setup()
    {
        if (!OpenAIRequestParser.TryParse(Payloads.StreamingChatRequest, ApiKind.ChatCompletions, out _streamingRequest, out var error))
        {
            throw new InvalidOperationException(error.Message);
        }

        _price = PriceCatalog.Embedded.Find("gpt-4o-mini") ?? throw new InvalidOperationException("gpt-4o-mini has no price.");
        _resolver = new ModelResolver([], [new ProviderInfo("openai", "openai")], PriceCatalog.Embedded, null);
        if (!_resolver.TryResolve("gpt-4o-mini", out _, out error))
        {
            throw new InvalidOperationException(error.Message);
        }

        // A team budget and a key's requests- and tokens-per-minute limit, as a typical key has; the budget is
        // far from exhausted, so every request is admitted and settled.
        _gate = new AdmissionGate(new InProcessCounterStore(TimeProvider.System), new NoAlerts(), TimeProvider.System, TimeZoneInfo.Utc, UpstreamTimeouts.Default.Total);
        _gate.Replace(new PolicyBook(
            [new Budget("team-monthly", BudgetScope.Team, "support", 1_000_000m, BudgetPeriod.Month, BudgetMode.Hard, Budget.DefaultAlertPercents)],
            [new RateLimit("key-limit", RateLimitScope.Key, "key_a", 1_000_000_000, 1_000_000_000_000, null)]));
        OpenAIRequestParser.TryParse(_chatRequest, ApiKind.ChatCompletions, out _chat, out _);
        _resolver.TryResolve("gpt-4o-mini", out _deployment, out _);

        // The gateway's usage writer, reduced to draining: records leave the channel as they would in production.
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

        // Sanity: the figures below are only meaningful if every piece does its job on these bodies.
        if (!OpenAIUsageReader.TryRead(_response, out var usage) || usage.CachedInputTokens == 0 || MeterStream() == 0 || Rewrite() <= Payloads.StreamingChatRequest.Length)
        {
            throw new InvalidOperationException("The benchmark payloads do not exercise the request path.");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _log.Complete();
        _drain.GetAwaiter().GetResult();
    }

    /// <summary>(a) Parsing a ~1 KB chat request (system + user message, temperature, a tool).</summary>
    [Benchmark]
    public LlmRequest Parse()
    {
        OpenAIRequestParser.TryParse(_chatRequest, ApiKind.ChatCompletions, out var request, out _);
        return request;
    }

    /// <summary>(a) Of the parse, the check that no object of the body names a property twice.</summary>
    [Benchmark]
    public string? CheckRepeatedProperties() => RepeatedProperties.Problem(_chatRequest);

    /// <summary>(a) The same check made by System.Text.Json's document, for comparison (the parsers used it until 2026-12-03).</summary>
    [Benchmark]
    public bool CheckRepeatedPropertiesByDocument()
    {
        using var document = JsonDocument.Parse(_chatRequest, s_refuseRepeats);
        return document.RootElement.ValueKind == JsonValueKind.Object;
    }

    /// <summary>(b) Building the upstream body of a streamed request: model renamed, stream_options inserted.</summary>
    [Benchmark]
    public int Rewrite()
    {
        using var output = new PooledBufferWriter(_streamingRequest.Body.Length + 64);
        OpenAIUpstreamBody.Write(_streamingRequest, Payloads.RenamedModel, output);
        return output.WrittenCount;
    }

    /// <summary>(c) Metering a non-streaming answer: read its usage (~700 B body) and price it.</summary>
    [Benchmark]
    public decimal MeterJson()
    {
        OpenAIUsageReader.TryRead(_response, out var usage);
        return _price.Cost(usage);
    }

    /// <summary>(d) Metering a whole streamed answer, event by event, as the SSE relay does.</summary>
    [Benchmark]
    public long MeterStream()
    {
        var meter = new OpenAIStreamMeter(false);
        foreach (var sseEvent in _events)
        {
            if (SseRelay.TryGetData(sseEvent, out var data))
            {
                meter.Inspect(data);
            }
        }

        return meter.Usage.TotalTokens;
    }

    /// <summary>(h) Reading a non-streaming answer as the gateway reads every HTTP provider's: through the check for broken text.</summary>
    [Benchmark]
    public int ReadAnswerChecked()
    {
        using var answer = new TextRepairingStream(new MemoryStream(_response, writable: false));
        return answer.Read(_readBuffer, 0, _readBuffer.Length);
    }

    /// <summary>(h) The same read without the check, for comparison.</summary>
    [Benchmark]
    public int ReadAnswerUnchecked()
    {
        using var answer = new MemoryStream(_response, writable: false);
        return answer.Read(_readBuffer, 0, _readBuffer.Length);
    }

    /// <summary>(e) Creating a usage record and handing it to the background writer.</summary>
    [Benchmark]
    public void LogEnqueue()
    {
        var now = DateTimeOffset.UtcNow;
        _log.Enqueue(Payloads.ChatRecord("req_0197a2c4e5f67b8c9d0e1f2a3b4c5d6e", now));
    }

    /// <summary>
    /// (g) The admission gate with a team budget and a key rate limit: reserve (prompt counted with the
    /// tokenizer, output bounded), check and add atomically, response headers, then settle the real cost.
    /// </summary>
    [Benchmark]
    public async Task<int> AdmitAndSettle()
    {
        var record = new UsageRecord
        {
            Id = "req", StartedAt = DateTimeOffset.UtcNow, Endpoint = "chat.completions", Dialect = OpenAIRequestParser.Dialect,
            KeyId = "key_a", Team = "support",
        };
        var context = new GatewayContext(_chat, record, CancellationToken.None) { Deployment = _deployment };
        await _gate.InvokeAsync(context, static _ => ValueTask.FromResult(default(GatewayResponse)));
        await context.Admission!.SettleAsync(0.0000621m, 275);
        return context.ResponseHeaders!.Count;
    }

    /// <summary>
    /// (f) Everything the gateway itself does for one non-streaming request, in the endpoint's order:
    /// record and request id, parse, resolve, build the upstream body (always, as the worst case; the
    /// gateway skips it when nothing changes), read the usage, price it, format the cost header, enqueue.
    /// </summary>
    [Benchmark]
    public decimal GatewayOwnPath()
    {
        var now = DateTimeOffset.UtcNow;
        var record = new UsageRecord
        {
            Id = RequestIds.Next(now),
            StartedAt = now,
            Endpoint = "chat.completions",
            Dialect = OpenAIRequestParser.Dialect,
        };
        if (!OpenAIRequestParser.TryParse(_chatRequest, ApiKind.ChatCompletions, out var request, out _))
        {
            return -1;
        }

        record.Model = request.Model;
        record.Stream = request.Stream;
        var context = new GatewayContext(request, record, CancellationToken.None);
        if (!_resolver.TryResolve(request.Model, out var deployment, out _))
        {
            return -1;
        }

        context.Deployment = deployment;
        record.Provider = deployment.Provider;
        record.UpstreamModel = deployment.UpstreamModel;
        using (var upstreamBody = new PooledBufferWriter(request.Body.Length + 64))
        {
            OpenAIUpstreamBody.Write(request, deployment.UpstreamModel, upstreamBody);
        }

        if (OpenAIUsageReader.TryRead(_response, out var usage))
        {
            record.Usage = usage;
        }

        record.Status = 200;
        var cost = context.Deployment.Price.Cost(record.Usage);
        var costHeader = cost.ToString("0.############", CultureInfo.InvariantCulture);
        record.LatencyMs = costHeader.Length; // keeps the header string alive; the value is irrelevant
        record.CostUsd = deployment.Price.Cost(record.Usage);
        _log.Enqueue(record);
        return record.CostUsd;
    }

    private sealed class NoAlerts : IBudgetAlertSink
    {
        public void Post(BudgetAlert alert)
        {
        }
    }
}
