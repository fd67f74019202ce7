using BenchmarkDotNet.Attributes;
using Tokenwise.Hosting;
using Tokenwise.Metering;
using Tokenwise.Storage.Sqlite;

namespace Tokenwise.Benchmarks;

/// <summary>
/// The background usage writer's cost per record: one batch of typical non-streaming records
/// (<see cref="Payloads.ChatRecord"/>) appended to the SQLite usage log in WAL mode, as <c>UsageLogWriter</c> does.
/// It runs off the request path, but on the same CPUs, so under load it is part of what each request costs.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ShortConfig))]
public class UsageStoreBenchmarks
{
    private const int BatchSize = 256;
    private readonly UsageRecord[] _batch = new UsageRecord[BatchSize];
    private SqliteUsageStore _store = null!;
    private string _directory = "";

    [GlobalSetup]
    public void Setup()
    {
        _directory = Directory.CreateTempSubdirectory("tokenwise-bench-").FullName;
        _store = new SqliteUsageStore(Path.Combine(_directory, "tokenwise.db"));
        _store.InitializeAsync().GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>Fresh records (new ids) for each batch, so every row is an insert, as in production.</summary>
    [IterationSetup]
    public void NewRecords()
    {
        var now = DateTimeOffset.UtcNow;
        for (var i = 0; i < _batch.Length; i++)
        {
            _batch[i] = Payloads.ChatRecord(RequestIds.Next(now), now);
        }
    }

    [Benchmark(OperationsPerInvoke = BatchSize)]
    public Task AppendPerRecord() => _store.AppendAsync(_batch);
}
