using System.Diagnostics;
using Tokenwise.Metering;

namespace Tokenwise.Hosting;

/// <summary>
/// One span per model request (source <c>Tokenwise</c>), exported over OTLP when an endpoint is configured: named and
/// tagged after OpenTelemetry's GenAI conventions (<c>chat gpt-4o-mini</c>, <c>gen_ai.usage.input_tokens</c>, ...) plus
/// what the gateway adds (cost, cache, route). It continues the caller's trace when the request carries a
/// <c>traceparent</c>. Nobody listening (no endpoint), nothing is started: the request path pays one check.
/// </summary>
public static class GatewayTracing
{
    public const string SourceName = "Tokenwise";

    private static readonly ActivitySource s_source = new(SourceName);

    /// <summary>Starts the request's span, or returns null when no one collects traces.</summary>
    public static Activity? Start(HttpRequest request, string endpoint)
    {
        if (!s_source.HasListeners())
        {
            return null;
        }

        DistributedContextPropagator.Current.ExtractTraceIdAndState(request.Headers, static (carrier, name, out value, out values) =>
        {
            values = null;
            value = ((IHeaderDictionary)carrier!).TryGetValue(name, out var header) ? header.ToString() : null;
        }, out var traceParent, out var traceState);
        ActivityContext.TryParse(traceParent, traceState, isRemote: true, out var parent);
        return s_source.StartActivity(GenAiConventions.Operation(endpoint), ActivityKind.Client, parent);
    }

    /// <summary>Names and tags the span from the finished record, and ends it.</summary>
    public static void Finish(Activity activity, UsageRecord record)
    {
        var operation = GenAiConventions.Operation(record.Endpoint);
        activity.DisplayName = $"{operation} {record.Model}";
        activity.SetTag("gen_ai.operation.name", operation);
        activity.SetTag("gen_ai.request.model", record.Model);
        activity.SetTag("gen_ai.provider.name", record.Provider);
        activity.SetTag("gen_ai.response.model", record.UpstreamModel);
                activity.SetTag("gen_ai.usage.input_tokens", record.Usage.InputTokens);
        activity.SetTag("gen_ai.usage.output_tokens", record.Usage.OutputTokens);
        activity.SetTag("http.response.status_code", record.Status);
        activity.SetTag("tokenwise.request_id", record.Id);
        activity.SetTag("tokenwise.upstream_request_id", record.UpstreamRequestId);
        activity.SetTag("tokenwise.cost_usd", (double)record.CostUsd);
        activity.SetTag("tokenwise.estimated", record.Estimated);
        activity.SetTag("tokenwise.cache", record.Cache);
        activity.SetTag("tokenwise.team", record.Team);
        activity.SetTag("tokenwise.route", record.Route);
        if (GenAiConventions.ErrorType(record) is { } error)
        {
            activity.SetTag("error.type", error);
            activity.SetStatus(ActivityStatusCode.Error, record.ErrorCode);
        }

        activity.Dispose();
    }
}
