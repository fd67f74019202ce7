using Tokenwise.Metering;
using Tokenwise.Pipeline;

namespace Tokenwise.Endpoints;

/// <summary>What every dialect's endpoint does with the pipeline stages' side results, so no endpoint can forget one.</summary>
internal static class StageResults
{
    /// <summary>Headers the stages set: rate-limit state, budget warnings, retry-after on a rejection.</summary>
    public static void WriteHeaders(HttpContext http, GatewayContext context)
    {
        if (context.ResponseHeaders is { } headers)
        {
            foreach (var (name, value) in headers)
            {
                http.Response.Headers.Append(name, value);
            }
        }
    }

    /// <summary>Logs the final record and settles the budget and rate-limit reservation with it.</summary>
    public static async ValueTask CompleteAsync(UsageLog usageLog, UsageRecord record, GatewayContext? context)
    {
        usageLog.Enqueue(record);
        if (context?.Admission is { } admission)
        {
            await admission.SettleAsync(record.CostUsd, record.Usage.TotalTokens);
        }
    }
}
