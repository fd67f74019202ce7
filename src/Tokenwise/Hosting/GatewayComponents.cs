using System.Diagnostics;
using System.Globalization;
using System.Net;
using Tokenwise.Configuration;
using Tokenwise.Embeddings;
using Tokenwise.Pipeline;
using Tokenwise.Pricing;
using Tokenwise.Providers.Anthropic;
using Tokenwise.Providers.Gemini;
using Tokenwise.Providers.OpenAICompatible;
using Tokenwise.Providers.Simulated;
using Tokenwise.Routing.Routes;

namespace Tokenwise.Hosting;

/// <summary>The price catalog, providers and model resolver built from validated settings.</summary>
public sealed class GatewayComponents : IDisposable
{

    public GatewayComponents(TokenwiseOptions options, IReadOnlyDictionary<string, string?> environment, TimeProvider time, ITextEmbedder? embedder = null)
    {
        Catalog = LoadCatalog(options.Pricing);

        Timeouts = options.Upstream.ToTimeouts();
        // One pooled handler for every upstream: connections are reused across requests and providers.
        _handler = new SocketsHttpHandler
        {
            ConnectTimeout = Timeouts.Connect,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(options.Upstream.PooledConnectionIdleSeconds),
            PooledConnectionLifetime = TimeSpan.FromMinutes(10),
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            MaxConnectionsPerServer = int.MaxValue,
            EnableMultipleHttp2Connections = true,
            // Providers take no part in the gateway's traces: a request's span (GatewayTracing) is not announced upstream.
            ActivityHeadersPropagator = DistributedContextPropagator.CreateNoOutputPropagator(),
        };
        Http = Client(null);

        var providers = new List<IProvider>();
        var infos = new List<ProviderInfo>();
        foreach (var (name, p) in options.Providers)
        {
            var type = p.Type ?? ProviderTypes.OpenAI;
            switch (type)
            {
                case ProviderTypes.Simulated:
                    var latency = p.Latency == "none" ? SimulatedLatency.None : SimulatedLatency.Realistic;
                    providers.Add(new SimulatedProvider(name, latency, time));
                    infos.Add(Info(name, p, ProviderTypes.Simulated));
                    break;
                case ProviderTypes.Anthropic:
                    var anthropicKey = p.ApiKey ?? environment.GetValueOrDefault(p.ApiKeyEnv ?? ProviderTypes.AnthropicKeyVariable);
                    providers.Add(new AnthropicProvider(name, new Uri(p.BaseUrl ?? ProviderTypes.AnthropicBaseUrl),
                        string.IsNullOrEmpty(anthropicKey) ? null : anthropicKey, Client(p.HttpVersion), Timeouts));
                    infos.Add(Info(name, p, ProviderTypes.Anthropic));
                    break;
                case ProviderTypes.Gemini:
                    var geminiKey = p.ApiKey ?? environment.GetValueOrDefault(p.ApiKeyEnv ?? ProviderTypes.DefaultKeyVariable(type, environment)!);
                    providers.Add(new GeminiProvider(name, new Uri(p.BaseUrl ?? GeminiProvider.DefaultBaseUrl), string.IsNullOrEmpty(geminiKey) ? null : geminiKey, Client(p.HttpVersion), Timeouts, time));
                    infos.Add(Info(name, p, ProviderTypes.Gemini));
                    break;
                default:
                    var apiKey = p.ApiKey ?? environment.GetValueOrDefault(p.ApiKeyEnv ?? (type == ProviderTypes.OpenAI ? ProviderTypes.OpenAIKeyVariable : ""));
                    var baseUrl = new Uri(p.BaseUrl ?? ProviderTypes.OpenAIBaseUrl);
                    providers.Add(new OpenAICompatibleProvider(name, baseUrl, string.IsNullOrEmpty(apiKey) ? null : apiKey, Client(p.HttpVersion), Timeouts, p.ApiKeyHeader));
                    infos.Add(Info(name, p, type == ProviderTypes.OpenAI ? "openai" : name));
                    break;
            }
        }

        Providers = providers;
        var demoProvider = options.Demo ? options.Providers.Keys.FirstOrDefault(k => (options.Providers[k].Type ?? "") == ProviderTypes.Simulated) : null;
        var configured = options.Models.Select(m => Configure(Catalog, infos, m)).ToList();
        Resolver = new ModelResolver(configured, infos, Catalog, demoProvider);
        _embedder = new(() => embedder ?? (_ownedEmbedder = CreateEmbedder(options.Cache.Embeddings, Http, environment)));
        Routes = RouteBuilder.Build(options.Routes, Resolver, Timeouts, () => _embedder.Value);
    }

    /// <summary>The shipped catalog with <c>pricing.overrides_file</c>'s entries, as the gateway prices calls.</summary>
    /// <exception cref="ConfigurationException">The overrides file is not a catalog in LiteLLM's schema.</exception>
    public static PriceCatalog LoadCatalog(PricingOptions pricing) =>
        pricing.OverridesFile is { } overridesFile
            ? PriceCatalog.Embedded.With(ReadCatalog(overridesFile, "pricing.overrides_file"))
            : PriceCatalog.Embedded;

    /// <summary>A catalog file in LiteLLM's schema.</summary>
    /// <exception cref="ConfigurationException">
    /// It cannot be read, is not one, or prices something below 0 or above <see cref="ModelPrice.MaxPrice"/>; the message starts with <paramref name="setting"/>.
    /// </exception>
    public static PriceCatalog ReadCatalog(string path, string setting)
    {
        PriceCatalog catalog;
        try
        {
            using var stream = File.OpenRead(path);
            catalog = LiteLlmCatalogFormat.Read(stream);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or FormatException or IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException($"{setting}: '{path}' is not a readable catalog in LiteLLM's schema: {e.Message}");
        }

        foreach (var entry in catalog.Entries)
        {
            foreach (var price in entry.AllPrices())
            {
                if (!ModelPrice.IsPrice(price))
                {
                    throw new ConfigurationException(string.Create(CultureInfo.InvariantCulture,
                        $"{setting}: '{path}' prices {entry.Key} at {price} USD, outside 0 to {ModelPrice.MaxPrice} per token (prices are per token, not per million)."));
                }
            }
        }

        return catalog;
    }

    private readonly SocketsHttpHandler _handler;
    private readonly Lazy<ITextEmbedder> _embedder;
    private ITextEmbedder? _ownedEmbedder;

    /// <summary>
    /// The embedder of every feature that compares meaning (the semantic cache, learned routes), created on first
    /// need: the one the caller passed, else the OpenAI-compatible endpoint <c>cache.embeddings.url</c> names, else
    /// the local all-MiniLM-L6-v2. One instance, so the model is loaded once.
    /// </summary>
    public ITextEmbedder Embedder => _embedder.Value;

    public PriceCatalog Catalog { get; }
    public UpstreamTimeouts Timeouts { get; }
    public IReadOnlyList<IProvider> Providers { get; }
    public ModelResolver Resolver { get; }

    /// <summary>The routes, by the model name clients send.</summary>
    public IReadOnlyDictionary<string, RoutePolicy> Routes { get; }

    /// <summary>The client of outbound calls other than providers' (alert webhooks, embeddings), on the providers' pool.</summary>
    public HttpClient Http { get; }

    public void Dispose()
    {
        _handler.Dispose();
        (_ownedEmbedder as IDisposable)?.Dispose();
    }

    /// <summary>
    /// A client on the shared pool whose defaults say which HTTP version to ask for (a provider's <c>http_version</c>);
    /// <c>UpstreamCall</c> applies them to each request. Over TLS, <c>auto</c> takes HTTP/2 when the server offers it
    /// by ALPN: many concurrent calls then share one connection, with fewer system calls per call than HTTP/1.1's
    /// connection per call in flight. In cleartext nothing can be negotiated, so <c>auto</c> stays on HTTP/1.1.
    /// </summary>
    private HttpClient Client(string? httpVersion) => new(_handler, disposeHandler: false)
    {
        DefaultRequestVersion = httpVersion == "1.1" ? HttpVersion.Version11 : HttpVersion.Version20,
        DefaultVersionPolicy = httpVersion == "2" ? HttpVersionPolicy.RequestVersionExact : HttpVersionPolicy.RequestVersionOrLower,
        Timeout = Timeout.InfiniteTimeSpan, // each phase has its own timeout in the provider
    };

    private static ITextEmbedder CreateEmbedder(CacheEmbeddingOptions embeddings, HttpClient http, IReadOnlyDictionary<string, string?> environment) =>
        embeddings.Url is { } url
            ? new Caching.OpenAIEmbedder(http, new Uri(url), embeddings.Model!, embeddings.ApiKeyEnv is { } variable ? environment.GetValueOrDefault(variable) : null)
            : new MiniLmEmbedder(embeddings.Threads, embeddings.LocalPrecision);

    private static ProviderInfo Info(string name, ProviderOptions p, string defaultCatalogProvider) =>
        new(name, p.CatalogProvider ?? defaultCatalogProvider, p.Local ?? false, p.CostPerHourUsd);

    /// <summary>A declared model: the catalog price of its upstream model, with any price the config sets on top.</summary>
    private static ModelDeployment Configure(PriceCatalog catalog, List<ProviderInfo> providers, ModelOptions m)
    {
        var provider = providers.First(p => string.Equals(p.Name, m.Provider, StringComparison.OrdinalIgnoreCase));
        var deployment = ModelDeployment.FromCatalog(m.Name!, provider, m.UpstreamModel ?? m.Name!, catalog);
        var overridden = m.InputCostPerToken is not null || m.OutputCostPerToken is not null || m.CacheReadInputTokenCost is not null
            || m.CacheCreationInputTokenCost is not null || m.CacheCreationInputTokenCostAbove1Hour is not null || m.OutputCostPerReasoningToken is not null;
        if (!overridden)
        {
            return deployment;
        }

        var price = deployment.Price.WithFlatPrices(m.InputCostPerToken, m.OutputCostPerToken, m.CacheReadInputTokenCost,
            m.CacheCreationInputTokenCost, m.CacheCreationInputTokenCostAbove1Hour, m.OutputCostPerReasoningToken);
        return deployment with { Price = price, Priced = true };
    }
}
