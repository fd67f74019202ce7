using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Tokenwise.Access;
using Tokenwise.Admin;
using Tokenwise.Budgets;
using Tokenwise.Caching;
using Tokenwise.Configuration;
using Tokenwise.Embeddings;
using Tokenwise.Endpoints;
using Tokenwise.Metering;
using Tokenwise.Pipeline;
using Tokenwise.Providers.Translation;
using Tokenwise.Routing.Routes;
using Tokenwise.Storage;
using Tokenwise.Storage.Sqlite;

namespace Tokenwise.Hosting;

/// <summary>Builds the gateway: settings, services, the pipeline and the endpoints, in one visible place.</summary>
public static partial class GatewayHost
{
    /// <exception cref="ConfigurationException">The settings are invalid; the message says which and why.</exception>
    public static WebApplication Build(GatewayStartOptions start)
    {
        var environment = start.Environment ?? SettingsLoader.ProcessEnvironment();
        var options = SettingsLoader.Load(start.ConfigPath, environment, start.Settings);
        var components = new GatewayComponents(options, environment, start.Time, start.Embedder);

        var certificate = ServerCertificate(options.Server);
        // The gateway's settings are its own (SettingsLoader), read once at start. The content root is the install folder,
        // not the working directory: ASP.NET Core would read an appsettings.json found there, and with reloading on would
        // watch every folder under it (over a thousand inotify watches when started in a source tree).
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = ["--hostBuilder:reloadConfigOnChange=false"],
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.WebHost.UseUrls(options.Server.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        if (certificate is not null)
        {
            builder.WebHost.UseKestrelHttpsConfiguration();
        }

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // Kestrel would bind the endpoints of a "Kestrel" configuration section (Kestrel__Endpoints__* variables, an
            // appsettings.json) instead of server.urls, past the check that keeps a gateway without a master key on loopback.
            kestrel.Configure(new ConfigurationBuilder().Build(), reloadOnChange: false);
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = options.Server.MaxRequestBodyBytes;
            // Kestrel answers a request over its limits with an empty 414 or 431 that no SDK can explain, so the gateway
            // holds its own (RefuseOversizeHeadAsync) and leaves Kestrel's, at four times them, only to bound what a
            // connection can make the server hold.
            kestrel.Limits.MaxRequestLineSize = 4 * MaxRequestTargetLength;
            kestrel.Limits.MaxRequestHeadersTotalSize = 4 * MaxRequestHeaderBytes;
            kestrel.Limits.MaxRequestHeaderCount = 4 * MaxRequestHeaderCount;
            if (certificate is not null)
            {
                kestrel.ConfigureHttpsDefaults(https => https.ServerCertificate = certificate);
            }
        });
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        // Off altogether: while this category logs at any level, ASP.NET Core starts an Activity and a log scope
        // for every request (and HttpClient then adds a traceparent header to every upstream call), for
        // messages it only writes at Information and below.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
        // Its errors are a failed start, which `serve` reports itself (an address it cannot bind names server.urls), and
        // a failed background service, which it reports again at Critical, with the exception, as it stops the host.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
        builder.Logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);
        start.Logging?.Invoke(builder.Logging);

        var services = builder.Services;
        services.TryAddSingleton(start.Time);
        services.AddSingleton(options);
        services.AddSingleton(components);
        services.AddSingleton(new MasterKey(options.MasterKey));
        options.MasterKey = null; // from here on it is held only as MasterKey's hash: the options stay in memory as a singleton
        services.AddSingleton(new UsageLog(options.Storage.MaxPendingRecords));
        var database = new SqliteDatabase(options.Storage.SqlitePath);
        services.AddSingleton<IUsageStore>(new SqliteUsageStore(database));
        services.AddSingleton<IAdminStore>(new SqliteAdminStore(database));
        services.AddSingleton<ICacheStore>(new SqliteCacheStore(database));
        var embedder = options.Cache.UsesSemantic ? components.Embedder : null;
        services.AddSingleton(new ResponseCache(start.Time, options.Cache.MaxEntries, embedder?.ModelId));
        services.AddSingleton<CacheWriter>();
        services.AddHostedService(sp => sp.GetRequiredService<CacheWriter>());
        services.AddSingleton<KeyRing>();
        services.AddSingleton<ClientAuthenticator>();
        services.AddSingleton<ICounterStore>(sp => new InProcessCounterStore(start.Time));
        services.AddSingleton(sp => new BudgetAlertSender(
            options.Budgets.AlertWebhookUrl is { } webhook ? new Uri(webhook) : null, components.Http, start.Time, sp.GetRequiredService<ILogger<BudgetAlertSender>>()));
        services.AddHostedService(sp => sp.GetRequiredService<BudgetAlertSender>());
        services.AddSingleton(sp => new AdmissionGate(sp.GetRequiredService<ICounterStore>(), sp.GetRequiredService<BudgetAlertSender>(), start.Time,
            options.Budgets.FindTimeZone(), components.Timeouts.Total));
        services.AddSingleton<AdminService>();
        services.AddSingleton<UsageMetrics>();
        bool ExportsOverOtlp(string signal) =>
            environment.ContainsKey("OTEL_EXPORTER_OTLP_ENDPOINT") || environment.ContainsKey($"OTEL_EXPORTER_OTLP_{signal}_ENDPOINT");
        var telemetry = services.AddOpenTelemetry().ConfigureResource(resource => resource.AddService("tokenwise")).WithMetrics(metrics =>
        {
            metrics.AddMeter(UsageMetrics.MeterName);
            // Scrapes read the current figures: the exporter's response cache would hide the latest requests for a while.
            metrics.AddPrometheusExporter(prometheus => prometheus.ScrapeResponseCacheDurationMilliseconds = 0);
            if (ExportsOverOtlp("METRICS"))
            {
                metrics.AddOtlpExporter();
            }
        });
        // Spans only go somewhere over OTLP; without an endpoint none is started (GatewayTracing.Start).
        if (ExportsOverOtlp("TRACES"))
        {
            telemetry.WithTracing(tracing => tracing.AddSource(GatewayTracing.SourceName).AddOtlpExporter());
        }
        services.AddSingleton(sp => new UsageLogWriter(sp.GetRequiredService<UsageLog>(), sp.GetRequiredService<IUsageStore>(), sp.GetRequiredService<UsageMetrics>(),
            options.Storage.BatchSize, start.Time, sp.GetRequiredService<ILogger<UsageLogWriter>>()));
        services.AddHostedService(sp => sp.GetRequiredService<UsageLogWriter>());
        services.AddSingleton<Readiness>();
        services.AddSingleton(new RoutePlanner(new DeploymentHealthBook(), start.Time));
        services.AddHostedService(sp => new RouteDriftWatcher(components.Routes.Values, start.Time, sp.GetRequiredService<ILogger<RouteDriftWatcher>>()));
        services.AddSingleton(sp => new GatewayPipeline(
            [
                // The request path, in order. Each stage may answer itself or pass on.
                new AuthenticationStage(sp.GetRequiredService<ClientAuthenticator>()),
                new ModelResolutionStage(components.Resolver, components.Routes),
                sp.GetRequiredService<AdmissionGate>(),
                new CacheStage(sp.GetRequiredService<ResponseCache>(), new CacheNamespace(options.Cache.Namespace == "team"),
                    embedder is null ? null : SemanticCache(embedder, options.Cache.Embeddings, start.Time, sp.GetRequiredService<ILoggerFactory>())),
                new RoutingStage(sp.GetRequiredService<RoutePlanner>(), start.Time),
            ],
            new ProviderDispatcher(components.Providers, DialectTranslators.Create(start.Time)).InvokeAsync));
        services.AddSingleton<OpenAIEndpoint>();
        services.AddSingleton<AnthropicEndpoint>();
        services.ConfigureHttpJsonOptions(json =>
        {
            // Admin request bodies bind with the same snake_case names the admin API answers with.
            json.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower;
            json.SerializerOptions.TypeInfoResolverChain.Insert(0, AdminJsonContext.Default);
        });

        // Bodies bound by minimal APIs (admin, outcomes) throw on bad input, so it gets a body that says why.
        services.Configure<RouteHandlerOptions>(routes => routes.ThrowOnBadRequest = true);
        // A client may compress a long prompt (Content-Encoding gzip, br or deflate); the body limit applies to it decompressed.
        services.AddRequestDecompression(decompression => decompression.DecompressionProviders["br"] = new CheckedBrotliDecompression());
        var app = builder.Build();
        app.UseRequestDecompression();
        app.UseStatusCodePages(AnswerEmptyErrorsAsync);
        app.Use(RefuseOversizeHeadAsync);
        app.UseWhen(http => http.Request.Path.StartsWithSegments("/admin") || http.Request.Path.StartsWithSegments("/v1/outcomes"),
            branch => branch.Use(AnswerBadRequestsAsync));
        app.Lifetime.ApplicationStarted.Register(() => LogStarted(app, options, components));
        app.Lifetime.ApplicationStopped.Register(components.Dispose);
        app.Lifetime.ApplicationStopped.Register(() => certificate?.Dispose());

        var openai = app.Services.GetRequiredService<OpenAIEndpoint>();
        app.MapPost("/v1/chat/completions", openai.ChatCompletionsAsync);
        app.MapPost("/v1/embeddings", openai.EmbeddingsAsync);
        app.MapPost("/v1/responses", openai.ResponsesAsync);
        var anthropic = app.Services.GetRequiredService<AnthropicEndpoint>();
        app.MapPost("/v1/messages", anthropic.MessagesAsync);
        app.MapPost("/v1/messages/count_tokens", anthropic.CountTokensAsync);
        app.MapGet("/v1/models", ModelsEndpoint.ListAsync);
        app.MapGet("/v1/models/{**model}", ModelsEndpoint.RetrieveAsync);
        app.MapPost("/v1/outcomes", OutcomesEndpoint.HandleAsync);
        app.MapGet("/healthz", () => Results.Json(new HealthStatus("ok"), AdminJsonContext.Default.HealthStatus));
        app.MapGet("/readyz", (Readiness readiness) => readiness.Status is var status && status == Readiness.Ready
            ? Results.Json(new HealthStatus(status), AdminJsonContext.Default.HealthStatus)
            : Results.Json(new HealthStatus(status), AdminJsonContext.Default.HealthStatus, statusCode: StatusCodes.Status503ServiceUnavailable));
        app.MapPrometheusScrapingEndpoint("/metrics", meterProvider: null, branch => branch.Use(RequireMasterKeyAsync), optionsName: null);
        AdminEndpoints.Map(app);
        return app;
    }

    /// <summary>The longest request target (path and query) the gateway takes: Kestrel's default limit on a request line.</summary>
    private const int MaxRequestTargetLength = 8 * 1024;

    /// <summary>The most header bytes (names and values) a request may carry: Kestrel's default.</summary>
    private const int MaxRequestHeaderBytes = 32 * 1024;

    /// <summary>The most headers a request may carry: Kestrel's default.</summary>
    private const int MaxRequestHeaderCount = 100;

    /// <summary>
    /// A request over the gateway's limits on its target or headers gets 414 or 431 with no body, which
    /// <see cref="AnswerEmptyErrorsAsync"/> then explains in the path's dialect.
    /// </summary>
    private static Task RefuseOversizeHeadAsync(HttpContext http, RequestDelegate next)
    {
        if (http.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget.Length > MaxRequestTargetLength)
        {
            http.Response.StatusCode = StatusCodes.Status414UriTooLong;
            return Task.CompletedTask;
        }

        var headers = http.Request.Headers;
        if (headers.Count > MaxRequestHeaderCount || HeaderBytes(headers) > MaxRequestHeaderBytes)
        {
            http.Response.StatusCode = StatusCodes.Status431RequestHeaderFieldsTooLarge;
            return Task.CompletedTask;
        }

        return next(http);
    }

    private static long HeaderBytes(IHeaderDictionary headers)
    {
        var bytes = 0L;
        foreach (var (name, values) in headers)
        {
            foreach (var value in values)
            {
                bytes += name.Length + (value?.Length ?? 0);
            }
        }

        return bytes;
    }

    /// <summary>The certificate for <c>https://</c> addresses, when <c>server.tls_certificate</c> names one.</summary>
    /// <exception cref="ConfigurationException">The files cannot be read or do not hold a certificate and its key.</exception>
    private static X509Certificate2? ServerCertificate(ServerOptions server)
    {
        if (string.IsNullOrWhiteSpace(server.TlsCertificate))
        {
            return null;
        }

        try
        {
            // Without a key file, the certificate's file must hold the key as well; either way a missing key throws.
            return X509Certificate2.CreateFromPemFile(server.TlsCertificate, string.IsNullOrWhiteSpace(server.TlsKey) ? null : server.TlsKey);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            var key = string.IsNullOrWhiteSpace(server.TlsKey) ? "" : $" with the key '{server.TlsKey}'";
            throw new ConfigurationException($"server.tls_certificate: '{server.TlsCertificate}'{key} is not a usable PEM certificate and key: {e.Message}");
        }
    }

    private static SemanticCache SemanticCache(ITextEmbedder embedder, CacheEmbeddingOptions embeddings, TimeProvider time, ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger<SemanticCache>();
        return new SemanticCache(embedder, SemanticMatcher.Default, TimeSpan.FromMilliseconds(embeddings.TimeoutMs), time,
            error => LogEmbeddingFailed(logger, embedder.ModelId, error));
    }

    /// <summary><c>/metrics</c>, like the admin API, only with the master key when one is set.</summary>
    private static Task RequireMasterKeyAsync(HttpContext http, RequestDelegate next)
    {
        if (http.RequestServices.GetRequiredService<MasterKey>().Admits(http.Request))
        {
            return next(http);
        }

        http.Response.StatusCode = StatusCodes.Status401Unauthorized;
        http.Response.ContentType = "application/json";
        OpenAI.OpenAIErrorBody.Write(GatewayError.Unauthorized("The metrics endpoint needs the master key as 'Authorization: Bearer <key>'."), http.Response.BodyWriter);
        return http.Response.BodyWriter.FlushAsync(http.RequestAborted).AsTask();
    }

    /// <summary>A body that could not be bound (malformed JSON, wrong types) as a 400 in OpenAI's error body, naming the problem.</summary>
    private static async Task AnswerBadRequestsAsync(HttpContext http, RequestDelegate next)
    {
        GatewayError error;
        try
        {
            if (RequestEncoding.Unsupported(http.Request) is not { } encodingError)
            {
                await next(http);
                return;
            }

            error = encodingError;
        }
        catch (Exception e) when (e is Microsoft.AspNetCore.Http.BadHttpRequestException or InvalidDataException && !http.Response.HasStarted)
        {
            // InvalidDataException: a body that does not decompress as its Content-Encoding says (UseRequestDecompression).
            error = e is Microsoft.AspNetCore.Http.BadHttpRequestException bad
                ? GatewayError.InvalidRequest(BindingProblem(bad), "invalid_body") with { Status = bad.StatusCode }
                : GatewayError.BodyNotDecompressed(e.Message);
        }

        http.Response.StatusCode = error.Status;
        http.Response.ContentType = "application/json";
        http.Response.Headers.Connection = "close"; // the body may be left unread: this connection carries no other request
        OpenAI.OpenAIErrorBody.Write(error, http.Response.BodyWriter);
        await http.Response.BodyWriter.FlushAsync(http.RequestAborted);
    }

    /// <summary>
    /// What was wrong with a body a minimal API could not bind, in the client's terms. ASP.NET Core's own messages name the
    /// C# types and parameters ("Failed to read parameter \"BudgetRequest body\"…", "Implicit body inferred for parameter…"),
    /// which mean nothing to a client: a syntax error is passed on as System.Text.Json words it, a value of the wrong type
    /// is named by its JSON path, and an empty or null body is said to be one.
    /// </summary>
    private static string BindingProblem(Microsoft.AspNetCore.Http.BadHttpRequestException bad) => bad.InnerException switch
    {
        JsonException { Path: { } path } json when json.Message.StartsWith("The JSON value could not be converted", StringComparison.Ordinal) =>
            path == "$" ? "The request body must be a JSON object." : $"The request body's value at {path} is not of the type or in the range it must be.",
        JsonException json => $"The request body is not valid JSON: {json.Message}",
        { } inner => $"{bad.Message} {inner.Message}",
        null when bad.Message.StartsWith("Implicit body inferred", StringComparison.Ordinal) => "The request body must be a JSON object; it was empty or null.",
        null => bad.Message,
    };

    /// <summary>
    /// An error ASP.NET Core answers without a body (an unknown path, a wrong method, a body that is not JSON where a
    /// minimal API binds one) gets an error body in the dialect of its path, so an SDK shows a message, not an empty error.
    /// </summary>
    private static Task AnswerEmptyErrorsAsync(StatusCodeContext context)
    {
        var http = context.HttpContext;
        var request = http.Request;
        var message = http.Response.StatusCode switch
        {
            404 => $"No such endpoint: {request.Method} {request.Path}.",
            405 => $"{request.Path} does not take {request.Method} requests.",
            415 => $"The body must be JSON (Content-Type: application/json), not '{request.ContentType}'.",
            414 => string.Create(CultureInfo.InvariantCulture,
                $"The request's path and query are {http.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget.Length:N0} characters long, over the gateway's limit of {MaxRequestTargetLength:N0}."),
            431 => string.Create(CultureInfo.InvariantCulture,
                $"The request's headers are over the gateway's limits: at most {MaxRequestHeaderCount} headers of {MaxRequestHeaderBytes:N0} bytes in all (names and values)."),
            var status => $"{ReasonPhrases.GetReasonPhrase(status)}.",
        };
        var error = GatewayError.InvalidRequest(message, code: null) with { Status = http.Response.StatusCode };
        http.Response.ContentType = "application/json";
        if (request.Path.StartsWithSegments("/v1/messages"))
        {
            Anthropic.AnthropicErrorBody.Write(error, requestId: null, http.Response.BodyWriter);
        }
        else
        {
            OpenAI.OpenAIErrorBody.Write(error, http.Response.BodyWriter);
        }

        return http.Response.BodyWriter.FlushAsync(http.RequestAborted).AsTask();
    }

    /// <summary>Prepares storage before serving: the schema must be current before the first record is written.</summary>
    public static async Task InitializeAsync(WebApplication app, CancellationToken cancellationToken = default)
    {
        try
        {
            await app.Services.GetRequiredService<IUsageStore>().InitializeAsync(cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Data.Common.DbException)
        {
            throw new ConfigurationException(
                $"storage.sqlite_path: the database '{app.Services.GetRequiredService<TokenwiseOptions>().Storage.SqlitePath}' cannot be opened: {e.Message}");
        }

        await app.Services.GetRequiredService<AdminService>().LoadAsync(cancellationToken);
        var cache = app.Services.GetRequiredService<ResponseCache>();
        foreach (var entry in await app.Services.GetRequiredService<ICacheStore>().LoadAsync(app.Services.GetRequiredService<TimeProvider>().GetUtcNow(), cancellationToken))
        {
            cache.Load(entry);
        }

        app.Services.GetRequiredService<Readiness>().MarkReady();
    }

    private static void LogStarted(WebApplication app, TokenwiseOptions options, GatewayComponents components)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Tokenwise");
        LogListening(logger, string.Join(", ", app.Urls), Path.GetFullPath(options.Storage.SqlitePath));
        if (components.Providers.Count == 0)
        {
            LogNoProviders(logger);
        }
        else
        {
            LogProviders(logger, string.Join(", ", components.Providers.Select(p => p.Name)));
        }

        if (!app.Services.GetRequiredService<MasterKey>().IsSet)
        {
            LogNoMasterKey(logger);
        }

        var configured = components.Resolver.ConfiguredModels
            .Concat(components.Routes.Values.SelectMany(route => route.Targets.Select(target => target.Deployment)))
            .ToList();
        string Names(Func<ModelDeployment, bool> which) => string.Join(", ", configured.Where(which)
            .Select(deployment => $"{deployment.Provider}/{deployment.UpstreamModel}")
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal));
        if (Names(deployment => !deployment.Priced) is { Length: > 0 } unpriced)
        {
            LogUnpricedModels(logger, unpriced);
        }

        // A search model searches on every call: one whose tokens are priced but not its searches is as unpriced.
        if (Names(deployment => deployment.Priced && deployment.SearchesEveryCall(ApiKind.ChatCompletions) && !deployment.PricesSearchesAt(null)) is { Length: > 0 } searches)
        {
            LogUnpricedSearchModels(logger, searches);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "No price is known for {Models}: " + UsageLogWriter.UnpricedAdvice)]
    private static partial void LogUnpricedModels(ILogger logger, string models);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No web search price is known for {Models}, which search the web on every call: " + UsageLogWriter.UnpricedSearchesAdvice)]
    private static partial void LogUnpricedSearchModels(ILogger logger, string models);

    [LoggerMessage(Level = LogLevel.Information, Message = "Tokenwise is listening on {Urls}; usage log: {Database}")]
    private static partial void LogListening(ILogger logger, string urls, string database);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The semantic cache's embedder {Embedder} failed; the request proceeds as a cache miss.")]
    private static partial void LogEmbeddingFailed(ILogger logger, string embedder, Exception error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Providers: {Providers}")]
    private static partial void LogProviders(ILogger logger, string providers);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No provider is configured, so every model request will fail with model_not_found. "
        + "Set OPENAI_API_KEY (and OPENAI_BASE_URL for an OpenAI-compatible server), pass --config with providers, or run 'tokenwise serve --demo' to try the simulated provider.")]
    private static partial void LogNoProviders(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No master key (TOKENWISE_MASTER_KEY) is set: serving loopback only, without authentication.")]
    private static partial void LogNoMasterKey(ILogger logger);
}
