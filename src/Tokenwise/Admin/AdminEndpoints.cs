using System.Globalization;
using System.Text.Json.Serialization.Metadata;
using Tokenwise.Analysis;
using Tokenwise.Budgets;
using Tokenwise.Caching;
using Tokenwise.Configuration;
using Tokenwise.Hosting;
using Tokenwise.Json;
using Tokenwise.OpenAI;
using Tokenwise.Pipeline;
using Tokenwise.Pricing;
using Tokenwise.Routing.Routes;
using Tokenwise.Storage;

namespace Tokenwise.Admin;

/// <summary>The admin API under <c>/admin</c>, guarded by the master key (when one is set).</summary>
public static class AdminEndpoints
{
    private const int DefaultLimit = 50;
    private const int MaxLimit = 1000;

    public static void Map(WebApplication app)
    {
        var admin = app.MapGroup("/admin").AddEndpointFilter(RequireMasterKey);
        admin.MapGet("/requests", LatestRequestsAsync);
        admin.MapGet("/reports/spend", SpendAsync);
        admin.MapGet("/reports/outcomes", OutcomesAsync);
        admin.MapGet("/reports/routes", RoutesReportAsync);
        admin.MapGet("/reports/whatif", WhatIfAsync);
        admin.MapGet("/reports/growth", GrowthAsync);
        admin.MapGet("/reports/prompt-cache", PromptCacheAsync);

        admin.MapPost("/keys", (CreateKeyRequest body, AdminService service, CancellationToken ct) =>
            Run(async () => Results.Json(await service.CreateKeyAsync(body, ct), AdminJsonContext.Default.KeyInfo, statusCode: 201)));
        admin.MapGet("/keys", (AdminService service) => Results.Json(service.ListKeys().ToArray(), AdminJsonContext.Default.KeyInfoArray));
        admin.MapPost("/keys/{id}/rotate", (string id, AdminService service, CancellationToken ct) =>
            Run(async () => Results.Json(await service.RotateKeyAsync(id, ct), AdminJsonContext.Default.KeyInfo)));
        admin.MapPost("/keys/{id}/revoke", (string id, AdminService service, CancellationToken ct) =>
            Run(async () => Results.Json(await service.RevokeKeyAsync(id, ct), AdminJsonContext.Default.KeyInfo)));

        admin.MapPost("/budgets", (BudgetRequest body, AdminService service, CancellationToken ct) =>
            Run(async () => Results.Json(await service.SaveBudgetAsync(body, ct), AdminJsonContext.Default.BudgetInfo, statusCode: 201)));
        admin.MapGet("/budgets", async (AdminService service) =>
            Results.Json((await service.ListBudgetsAsync()).ToArray(), AdminJsonContext.Default.BudgetInfoArray));
        admin.MapDelete("/budgets/{id}", (string id, AdminService service, CancellationToken ct) => Deleted(() => service.DeleteBudgetAsync(id, ct)));

        admin.MapPost("/rate-limits", (RateLimitRequest body, AdminService service, CancellationToken ct) =>
            Run(async () => Results.Json(await service.SaveRateLimitAsync(body, ct), AdminJsonContext.Default.RateLimitInfo, statusCode: 201)));
        admin.MapGet("/rate-limits", (AdminService service) => Results.Json(service.ListRateLimits().ToArray(), AdminJsonContext.Default.RateLimitInfoArray));
        admin.MapDelete("/rate-limits/{id}", (string id, AdminService service, CancellationToken ct) => Deleted(() => service.DeleteRateLimitAsync(id, ct)));

        admin.MapGet("/routes", (GatewayComponents components, RoutePlanner planner, TimeProvider time) =>
            Results.Json(RouteStatuses.Of(components.Routes.Values, planner.Health, time.GetUtcNow()), AdminJsonContext.Default.RouteStatusArray));

        admin.MapGet("/cache", CacheStatsAsync);
        admin.MapDelete("/cache", (HttpRequest request, CacheWriter writer, TimeProvider time, CancellationToken ct) =>
            Run(async () =>
            {
                var filter = CacheFilter.Parse(request.Query, time.GetUtcNow());
                return Results.Json(new CacheInvalidation(await writer.RemoveAsync(filter.Matches, ct)), AdminJsonContext.Default.CacheInvalidation);
            }));
    }

    private static async Task<IResult> CacheStatsAsync(string? since, ResponseCache cache, TokenwiseOptions options, IUsageStore store, UsageLogWriter writer,
        TimeProvider time, CancellationToken cancellationToken)
    {
        since ??= "24h";
        if (!Durations.TryParse(since, out var window))
        {
            return AdminError(400, $"since must be a duration such as 30m, 24h or 7d, got '{since}'.");
        }

        await writer.FlushAsync(TimeSpan.FromSeconds(5), cancellationToken);
        var logged = await store.SavedAsync(time.GetUtcNow() - window, cancellationToken);
        var (hits, misses) = (cache.Hits, cache.Misses);
        var c = options.Cache;
        var stats = new CacheStats(c.Mode.ToString().ToLowerInvariant(), c.TtlSeconds, c.Namespace, cache.Count, cache.MaxEntries, hits, misses,
            hits + misses == 0 ? 0 : (double)hits / (hits + misses), cache.SavedUsd, since, logged, cache.SemanticCount, cache.SemanticHits);
        return Results.Json(stats, AdminJsonContext.Default.CacheStats);
    }

    /// <summary>A deletion's answer: 204, or the 404 that names what is not there.</summary>
    private static Task<IResult> Deleted(Func<Task> delete) =>
        Run(async () =>
        {
            await delete();
            return Results.NoContent();
        });

    /// <summary>Runs an admin action, answering a refused one with a 4xx that says why.</summary>
    internal static async Task<IResult> Run(Func<Task<IResult>> action)
    {
        try
        {
            return await action();
        }
        catch (AdminException e)
        {
            return AdminError(e.Status, e.Message);
        }
    }

    private static async Task<IResult> OutcomesAsync(string? since, string? format, IUsageStore store, UsageLogWriter writer, TimeProvider time,
        CancellationToken cancellationToken)
    {
        if (CheckReport(since, "30d", format, time, out var from) is { } problem)
        {
            return problem;
        }

        await writer.FlushAsync(TimeSpan.FromSeconds(5), cancellationToken);
        var rows = await store.WorkflowsAsync(from, cancellationToken);
        return Report(format, rows.ToArray(), AdminJsonContext.Default.WorkflowRowArray, ReportTable.Outcomes);
    }

    private static async Task<IResult> RoutesReportAsync(string? since, string? format, IUsageStore store, UsageLogWriter writer, TimeProvider time,
        CancellationToken cancellationToken)
    {
        if (CheckReport(since, "24h", format, time, out var from) is { } problem)
        {
            return problem;
        }

        await writer.FlushAsync(TimeSpan.FromSeconds(5), cancellationToken);
        var rows = await store.RoutesAsync(from, cancellationToken);
        return Report(format, rows.ToArray(), AdminJsonContext.Default.RouteRowArray, ReportTable.Routes);
    }

    private static async Task<IResult> WhatIfAsync(string? since, string[]? map, string? format, IUsageStore store, UsageLogWriter writer,
        GatewayComponents components, TimeProvider time, CancellationToken cancellationToken)
    {
        if (CheckReport(since, "30d", format, time, out var from) is { } problem)
        {
            return problem;
        }

        if (!WhatIfPricing.TryParseMappings(map ?? [], out var models, out var bad) || models.Count == 0)
        {
            return AdminError(400, $"map must be given as FROM=TO, a billed model and the model to price its calls at, one or more times, got '{bad}'.");
        }

        WhatIfPricing pricing;
        try
        {
            pricing = new WhatIfPricing(components.Catalog, models, prices: null);
        }
        catch (ArgumentException e)
        {
            return AdminError(400, "map: " + e.Message);
        }

        await writer.FlushAsync(TimeSpan.FromSeconds(5), cancellationToken);
        var rows = await pricing.RepriceAsync(store.BilledSinceAsync(from, cancellationToken), cancellationToken);
        return Report(format, rows.ToArray(), AdminJsonContext.Default.WhatIfRowArray, ReportTable.WhatIf);
    }

    private static async Task<IResult> GrowthAsync(string? since, string? top, string? format, IUsageStore store,
        UsageLogWriter writer, TimeProvider time, CancellationToken cancellationToken)
    {
        if (CheckReport(since, "24h", format, time, out var from) is { } problem)
        {
            return problem;
        }

        if (CheckCount("top", top, out var topCount) is { } badCount)
        {
            return badCount;
        }

        await writer.FlushAsync(TimeSpan.FromSeconds(5), cancellationToken);
        var rows = await ContextGrowth.OfAsync(store.SessionStepsSinceAsync(from, cancellationToken), topCount ?? 10, cancellationToken);
        return Report(format, rows.ToArray(), AdminJsonContext.Default.ContextGrowthArray, ReportTable.Growth);
    }

    private static async Task<IResult> PromptCacheAsync(string? since, string? top, string? format, IUsageStore store,
        UsageLogWriter writer, GatewayComponents components, TimeProvider time, CancellationToken cancellationToken)
    {
        if (CheckReport(since, "7d", format, time, out var from) is { } problem)
        {
            return problem;
        }

        if (CheckCount("top", top, out var topCount) is { } badCount)
        {
            return badCount;
        }

        await writer.FlushAsync(TimeSpan.FromSeconds(5), cancellationToken);
        var rows = await PromptCacheBreakEven.OfAsync(store.LoggedRequestsSinceAsync(from, cancellationToken), components.Catalog, topCount ?? 10, cancellationToken);
        return Report(format, rows.ToArray(), AdminJsonContext.Default.PromptCacheBreakEvenArray, ReportTable.PromptCache);
    }

    private static async Task<IResult> LatestRequestsAsync(string? limit, IUsageStore store, UsageLogWriter writer,
        CancellationToken cancellationToken)
    {
        if (CheckCount("limit", limit, out var limitCount) is { } problem)
        {
            return problem;
        }

        // Requests that finished before this call are shown, even if the batch writer had not stored them yet.
        await writer.FlushAsync(TimeSpan.FromSeconds(5), cancellationToken);
        var records = await store.LatestAsync(limitCount ?? DefaultLimit, cancellationToken);
        return Results.Json(records.Select(RequestLogEntry.From).ToArray(), AdminJsonContext.Default.RequestLogEntryArray);
    }

    private static async Task<IResult> SpendAsync(string? since, string? by, string? limit, string? format,
        IUsageStore store, UsageLogWriter writer, AdmissionGate gate, TimeProvider time, CancellationToken cancellationToken)
    {
        if (CheckReport(since, "24h", format, time, out var from) is { } problem)
        {
            return problem;
        }

        if (CheckCount("limit", limit, out var limitCount) is { } badCount)
        {
            return badCount;
        }

        if (!SpendGroupings.TryParse(by ?? "model", out var grouping, out var tag))
        {
            return AdminError(400, $"by must be one of {SpendGroupings.Names}, got '{by}'.");
        }

        await writer.FlushAsync(TimeSpan.FromSeconds(5), cancellationToken);
        // Days are the budgets' days: the same calendar as budgets.time_zone.
        var rows = await store.SpendAsync(new SpendQuery(from, grouping, tag, limitCount, gate.Zone), cancellationToken);
        return Report(format, rows.ToArray(), AdminJsonContext.Default.SpendRowArray, r => ReportTable.Spend(r, grouping, tag));
    }

    /// <summary>
    /// A count the client gave (<paramref name="value"/>, null when it gave none), or a 400 naming <paramref name="name"/> when
    /// it is not a whole number from 1 to <see cref="MaxLimit"/>. Read as text so the client gets this rather than ASP.NET
    /// Core's binding error, which names a C# type.
    /// </summary>
    private static IResult? CheckCount(string name, string? given, out int? value)
    {
        value = null;
        if (given is null)
        {
            return null;
        }

        if (int.TryParse(given, NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count is >= 1 and <= MaxLimit)
        {
            value = count;
            return null;
        }

        return AdminError(400, $"{name} must be a whole number from 1 to {MaxLimit}, got '{GatewayError.Excerpt(given)}'.");
    }

    /// <summary>What every report checks: its window (<paramref name="since"/>, else its default) and its format; a 400 naming the parameter, else null.</summary>
    private static IResult? CheckReport(string? since, string defaultSince, string? format, TimeProvider time, out DateTimeOffset from)
    {
        from = default;
        if (!Durations.TryParse(since ?? defaultSince, out var window))
        {
            return AdminError(400, $"since must be a duration such as 30m, 24h or 7d, got '{since}'.");
        }

        if (format is not null && !format.Equals("json", StringComparison.OrdinalIgnoreCase) && !format.Equals("csv", StringComparison.OrdinalIgnoreCase))
        {
            return AdminError(400, $"format must be json or csv, got '{format}'.");
        }

        from = time.GetUtcNow() - window;
        return null;
    }

    /// <summary>A report as JSON, or with <c>format=csv</c> as the CSV the CLI writes (same columns, same writer).</summary>
    private static IResult Report<T>(string? format, T[] rows, JsonTypeInfo<T[]> json, Func<T[], ReportTable> table) =>
        string.Equals(format, "csv", StringComparison.OrdinalIgnoreCase) ? Results.Text(table(rows).ToCsv(), "text/csv; charset=utf-8") : Results.Json(rows, json);

    private static async ValueTask<object?> RequireMasterKey(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        return context.HttpContext.RequestServices.GetRequiredService<MasterKey>().Admits(context.HttpContext.Request)
            ? await next(context)
            : AdminError(401, "The admin API needs the master key as 'Authorization: Bearer <key>'.");
    }

    /// <summary>
    /// An admin API error, its code named after its status so a script can tell the kinds apart without reading the message
    /// (which names the parameter and what it must be).
    /// </summary>
    internal static IResult AdminError(int status, string message) => Error(status switch
    {
        401 => GatewayError.Unauthorized(message), // as the model endpoints and /metrics answer a wrong key
        404 => new GatewayError(404, "invalid_request_error", "not_found", message),
        409 => new GatewayError(409, "invalid_request_error", "conflict", message),
        _ => new GatewayError(status, "invalid_request_error", "invalid_parameter", message),
    });

    /// <summary>An error in OpenAI's error body, as the rest of the API answers.</summary>
    internal static IResult Error(GatewayError error)
    {
        using var body = new PooledBufferWriter(256);
        OpenAIErrorBody.Write(error, body);
        return Results.Text(body.WrittenSpan, "application/json", statusCode: error.Status);
    }
}
