using Tokenwise.Hosting;
using Tokenwise.Json;
using Tokenwise.OpenAI;
using Tokenwise.Pipeline;
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
    }

    private static async Task<IResult> LatestRequestsAsync(int? limit, IUsageStore store, UsageLogWriter writer, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > MaxLimit)
        {
            return AdminError(400, $"limit must be between 1 and {MaxLimit}.");
        }

        // Requests that finished before this call are shown, even if the batch writer had not stored them yet.
        await writer.FlushAsync(TimeSpan.FromSeconds(5), cancellationToken);
        var records = await store.LatestAsync(limit ?? DefaultLimit, cancellationToken);
        return Results.Json(records.Select(RequestLogEntry.From).ToArray(), AdminJsonContext.Default.RequestLogEntryArray);
    }

    private static async Task<IResult> SpendAsync(string? since, string? by, IUsageStore store, UsageLogWriter writer, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!Durations.TryParse(since ?? "24h", out var window))
        {
            return AdminError(400, $"since must be a duration such as 30m, 24h or 7d, got '{since}'.");
        }

        if (!Enum.TryParse<SpendGrouping>(by ?? "model", ignoreCase: true, out var grouping) || !Enum.IsDefined(grouping))
        {
            return AdminError(400, $"by must be one of {string.Join(", ", Enum.GetNames<SpendGrouping>()).ToLowerInvariant()}, got '{by}'.");
        }

        await writer.FlushAsync(TimeSpan.FromSeconds(5), cancellationToken);
        var rows = await store.SpendAsync(time.GetUtcNow() - window, grouping, cancellationToken);
        return Results.Json(rows.ToArray(), AdminJsonContext.Default.SpendRowArray);
    }

    private static async ValueTask<object?> RequireMasterKey(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var masterKey = context.HttpContext.RequestServices.GetRequiredService<MasterKey>();
        if (masterKey.IsSet)
        {
            if (!masterKey.Matches(ClientKey.From(context.HttpContext.Request)))
            {
                return AdminError(401, "The admin API needs the master key as 'Authorization: Bearer <key>'.");
            }
        }

        return await next(context);
    }

    private static IResult AdminError(int status, string message)
    {
        var body = new PooledBufferWriter(256);
        OpenAIErrorBody.Write(GatewayError.InvalidRequest(message), body);
        var text = System.Text.Encoding.UTF8.GetString(body.WrittenSpan);
        body.Dispose();
        return Results.Text(text, "application/json", statusCode: status);
    }
}
