using Tokenwise.Embeddings;
using Tokenwise.Hosting;
using Tokenwise.Metering;

namespace Tokenwise.Testing;

/// <summary>
/// The real gateway on real Kestrel (loopback, port 0), with its own SQLite file in a temp folder and
/// an environment of the test's choosing (never the machine's).
/// </summary>
public sealed class TestGateway : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestGateway(WebApplication app, Uri baseUrl, string directory)
    {
        _app = app;
        BaseUrl = baseUrl;
        Directory = directory;
    }

    /// <summary>The gateway's root URL; the OpenAI base URL is <c>{BaseUrl}v1</c>.</summary>
    public Uri BaseUrl { get; }

    public Uri OpenAIBaseUrl => new(BaseUrl, "v1");

    public string Directory { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>Starts a gateway whose <c>openai</c> provider is <paramref name="upstream"/>.</summary>
    /// <param name="time">The gateway's clock (e.g. a <see cref="MovableClock"/>); the system's by default.</param>
    public static Task<TestGateway> StartAsync(FakeUpstream upstream, IDictionary<string, string?>? settings = null, string? configYaml = null,
        TimeProvider? time = null) =>
        StartAsync(WithProvider(settings, "openai", upstream.BaseUrl, FakeUpstream.ApiKey), configYaml, time: time);

    /// <summary>Starts a gateway whose <c>anthropic</c> provider is <paramref name="anthropic"/>.</summary>
    public static Task<TestGateway> StartAsync(FakeAnthropicUpstream anthropic, IDictionary<string, string?>? settings = null, string? configYaml = null) =>
        StartAsync(WithProvider(settings, "anthropic", anthropic.BaseUrl, FakeAnthropicUpstream.ApiKey), configYaml);

    /// <summary>Starts a gateway whose <c>openai</c> provider is <paramref name="upstream"/> and <c>anthropic</c> provider is <paramref name="anthropic"/>.</summary>
    public static Task<TestGateway> StartAsync(FakeUpstream upstream, FakeAnthropicUpstream anthropic, IDictionary<string, string?>? settings = null, string? configYaml = null,
        ITextEmbedder? embedder = null) =>
        StartAsync(WithProvider(WithProvider(settings, "anthropic", anthropic.BaseUrl, FakeAnthropicUpstream.ApiKey), "openai", upstream.BaseUrl, FakeUpstream.ApiKey),
            configYaml, embedder: embedder);

    /// <summary><paramref name="settings"/> plus a provider <paramref name="type"/> (named after its type) at <paramref name="baseUrl"/>.</summary>
    private static Dictionary<string, string?> WithProvider(IDictionary<string, string?>? settings, string type, Uri baseUrl, string apiKey) =>
        new(settings ?? new Dictionary<string, string?>())
        {
            [$"providers:{type}:type"] = type,
            [$"providers:{type}:base_url"] = baseUrl.ToString(),
            [$"providers:{type}:api_key"] = apiKey,
        };

    /// <summary>
    /// Starts a gateway with <paramref name="settings"/>; <c>storage:sqlite_path</c>, when given, is kept (a restart
    /// test points a second gateway at the first one's file). <paramref name="embedder"/> stands in for all-MiniLM-L6-v2
    /// (the semantic cache, learned routes); <paramref name="time"/> for the system clock.
    /// </summary>
    public static async Task<TestGateway> StartAsync(IDictionary<string, string?> settings, string? configYaml = null, IReadOnlyDictionary<string, string?>? environment = null,
        ITextEmbedder? embedder = null, TimeProvider? time = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), "tokenwise-test-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        string? configPath = null;
        if (configYaml is not null)
        {
            configPath = Path.Combine(directory, "tokenwise.yaml");
            await File.WriteAllTextAsync(configPath, configYaml);
        }

        var all = new Dictionary<string, string?>(settings)
        {
            ["server:urls"] = settings.TryGetValue("server:urls", out var urls) ? urls : "http://127.0.0.1:0",
            ["storage:sqlite_path"] = settings.TryGetValue("storage:sqlite_path", out var database) ? database : Path.Combine(directory, "tokenwise.db"),
        };
        var app = GatewayHost.Build(new GatewayStartOptions
        {
            ConfigPath = configPath,
            Settings = all,
            Environment = environment ?? new Dictionary<string, string?>(),
            Embedder = embedder,
            Logging = logging => logging.ClearProviders(),
            Time = time ?? TimeProvider.System,
        });
        await GatewayHost.InitializeAsync(app);
        await app.StartAsync();
        return new TestGateway(app, Loopback.Address(app), directory);
    }

    /// <summary>Every usage record stored so far, newest first (waits for the batch writer to catch up).</summary>
    public async Task<IReadOnlyList<UsageRecord>> RecordsAsync(int limit = 1000)
    {
        await Services.GetRequiredService<UsageLogWriter>().FlushAsync(TimeSpan.FromSeconds(10));
        return await Services.GetRequiredService<Storage.IUsageStore>().LatestAsync(limit);
    }

    /// <summary>
    /// The records that match, newest first, once there are <paramref name="atLeast"/>, waiting up to 5 s for them: a
    /// request's record is logged just after its last byte reached the client, so a test that has read a whole answer
    /// may ask a moment before it is. Fewer (or none) when no more came.
    /// </summary>
    public async Task<IReadOnlyList<UsageRecord>> RecordsAsync(Func<UsageRecord, bool> match, int atLeast = 1)
    {
        List<UsageRecord> found = [];
        for (var attempt = 0; attempt < 200; attempt++)
        {
            found = (await RecordsAsync()).Where(match).ToList();
            if (found.Count >= atLeast)
            {
                break;
            }

            await Task.Delay(25);
        }

        return found;
    }

    /// <summary>The record of one request, by the id the gateway returned in <c>x-tokenwise-request-id</c>.</summary>
    public async Task<UsageRecord> RecordAsync(string requestId) =>
        (await RecordsAsync(r => r.Id == requestId)).SingleOrDefault() ?? throw new InvalidOperationException($"No usage record for {requestId}.");

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // SQLite may still hold the file briefly; the temp folder is cleaned by the OS.
        }
    }
}
