using System.Text;
using Tokenwise.Pipeline;
using Tokenwise.Sensitivity;
using Tokenwise.Streams;

namespace Tokenwise.Routing.Routes;

/// <summary>
/// Serves a request whose model is a route: caps its reasoning, plans the order of its deployments, then
/// tries them in turn, moving on after the failures the route falls back on and, in a cascade, after an
/// answer that fails a check. Runs last, in front of the provider: an attempt returns once the upstream's
/// status is known and before any byte reaches the client, so a fallback never happens after the first
/// streamed byte. With sensitivity redaction, cloud deployments get the redacted request and their answer
/// gets the originals back. Each decision is written on the usage record and in <c>x-tokenwise-route</c>.
/// </summary>
public sealed class RoutingStage(RoutePlanner planner, TimeProvider time) : IGatewayStage
{
    public const string RouteHeader = "x-tokenwise-route";

    private readonly CascadeStep _cascade = new(time);

    /// <summary>A request for a plain model passes straight on: no state machine, nothing allocated.</summary>
    public ValueTask<GatewayResponse> InvokeAsync(GatewayContext context, GatewayHandler next) =>
        context.Route is { } route ? RouteAsync(context, route, next) : next(context);

    private async ValueTask<GatewayResponse> RouteAsync(GatewayContext context, RoutePolicy route, GatewayHandler next)
    {
        var record = context.Record;
        record.RoutePolicy = RoutePolicy.StrategyName(route.Strategy);
        string? capped = null;
        if (route.ReasoningCap?.Apply(context.Request, out capped) is { } cappedRequest)
        {
            context.Request = cappedRequest;
        }

        // Counted once per request: the admission gate counted the same prompt with the same (primary) tokenizer.
        var tokenizer = route.Primary.Deployment.UpstreamModel;
        var features = RequestFeatures.Of(context.Request, () => context.PromptTokens(tokenizer));
        // The gateway has one embedder: a vector the semantic cache made of the latest user turn serves a learned route too.
        var embedded = context.Cache is { Semantic: { } question, Vector: { } vector } ? (question.Question, vector) : ((string, float[])?)null;
        var plan = await planner.PlanAsync(route, context.Request, features, record, context.Aborted, embedded);
        record.RouterScore = plan.RouterScore;
        var reason = new StringBuilder(plan.Reason);
        if (capped is not null)
        {
            reason.Append("; ").Append(capped);
        }

        if (plan.Error is { } error)
        {
            Decide(context, route, null, reason);
            return error;
        }

        var original = context.Request;
        LlmRequest? redacted = null;
        Redaction? redaction = null;
        if (route.Sensitive == SensitiveMode.Redact && features.Sensitive.Count > 0)
        {
            redacted = JsonRedaction.Redact(original, out redaction);
        }

        var cascading = route.Strategy == RouteStrategy.Cascade && original.Api is ApiKind.ChatCompletions or ApiKind.Messages;
        GatewayResponse response = default;
        long? windowTooSmall = null;
        var notedRedaction = false;
        for (var i = 0; i < plan.Order.Count; i = Next(plan.Order, i, windowTooSmall))
        {
            var target = plan.Order[i];
            var redactedHere = redacted is not null && !target.Deployment.Local;
            context.Request = redactedHere ? redacted! : original;
            if (redactedHere && !notedRedaction)
            {
                notedRedaction = true;
                reason.Append("; redacted ").Append(redaction!.DescribeKinds()).Append(" for cloud deployments");
            }

            context.Deployment = target.Deployment;
            record.Provider = target.Deployment.Provider;
            record.UpstreamModel = target.Deployment.UpstreamModel;
            record.RouteAttempts++;
            var health = planner.Health.Of(target);
            health.Sent(time.GetUtcNow(), features.PromptTokens);
            var started = time.GetTimestamp();
            var outcome = await AttemptOutcome.ClassifyAsync(await next(context), time.GetUtcNow(), context.Aborted);
            response = outcome.Response;
            if (outcome.Succeeded)
            {
                health.Succeeded(time.GetElapsedTime(started).TotalMilliseconds);
                if (redactedHere)
                {
                    response = GatewayResponse.From(Restoring(response.Upstream!, redaction!, original));
                }

                if (cascading && Next(plan.Order, i, null) < plan.Order.Count)
                {
                    var (passed, checkedResponse, failure) = await _cascade.CheckAsync(route, context, target, response.Upstream!, started);
                    response = checkedResponse;
                    if (!passed)
                    {
                        reason.Append("; ").Append(target.Model).Append(" failed the ").Append(failure).Append(" check, escalated");
                        continue;
                    }
                }

                break;
            }

            if (outcome.CountsAgainstDeployment)
            {
                var cooldown = outcome.RetryAfter is { } wait && wait > route.Fallback.Cooldown ? wait : route.Fallback.Cooldown;
                health.Failed(time.GetUtcNow(), route.Fallback.FailuresBeforeCooldown, cooldown);
            }

            if (outcome.Trigger == FallbackTriggers.ContextLength)
            {
                windowTooSmall = target.Deployment.Price.MaxInputTokens ?? features.PromptTokens;
            }

            var movesOn = outcome.Unsupported || (outcome.Trigger != FallbackTriggers.None && route.Fallback.On.HasFlag(outcome.Trigger));
            if (!movesOn || Next(plan.Order, i, windowTooSmall) >= plan.Order.Count)
            {
                break; // this answer goes to the client
            }

            reason.Append("; ").Append(target.Model).Append(" failed (").Append(outcome.What).Append("), fell back");
            response.Upstream?.Dispose();
        }

        Decide(context, route, context.Deployment, reason);
        return response;
    }

    /// <summary>The answer of a cloud deployment to a redacted request, with the originals put back as it is read.</summary>
    private static UpstreamResponse Restoring(UpstreamResponse upstream, Redaction redaction, LlmRequest request)
    {
        Stream body = request.Stream
            ? new TranslatingSseStream(upstream.Body, new RestoringEvents(redaction, request.Dialect))
            : new RestoringJsonStream(upstream.Body, redaction);
        return new UpstreamResponse(upstream.StatusCode, upstream.ContentType, body, upstream)
        {
            RetryAfter = upstream.RetryAfter,
            RequestId = upstream.RequestId,
            ReadCancellation = upstream.ReadCancellation,
            ReportedUsage = upstream.ReportedUsage,
        };
    }

    /// <summary>The next deployment worth trying: after a context-length error, only one with a larger window.</summary>
    private static int Next(IReadOnlyList<RouteTarget> order, int current, long? windowTooSmall)
    {
        var next = current + 1;
        while (next < order.Count && windowTooSmall is { } small && order[next].Deployment.Price.MaxInputTokens is { } window && window <= small)
        {
            next++;
        }

        return next;
    }

    private static void Decide(GatewayContext context, RoutePolicy route, ModelDeployment? deployment, StringBuilder reason)
    {
        context.Record.RouteReason = reason.ToString();
        var header = new StringBuilder("route=").Append(route.Name);
        if (deployment is not null)
        {
            header.Append("; deployment=").Append(deployment.Provider).Append('/').Append(deployment.UpstreamModel);
        }

        header.Append("; reason=").Append(reason);
        context.AddResponseHeader(RouteHeader, AsciiHeaderValue(header));
    }

    /// <summary>A header value carries printable ASCII only; a reason quoting config or a prompt may not be.</summary>
    private static string AsciiHeaderValue(StringBuilder text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] is < ' ' or > '~')
            {
                text[i] = '?';
            }
        }

        return text.ToString();
    }
}
