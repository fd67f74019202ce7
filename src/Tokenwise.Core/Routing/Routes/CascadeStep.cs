using Tokenwise.Json;
using Tokenwise.Metering;
using Tokenwise.Pipeline;

namespace Tokenwise.Routing.Routes;

/// <summary>
/// One step of a cascade: the cheaper model's whole answer is read before the client sees any of it and held
/// to the route's checks; a passing answer is relayed from memory, a failing one becomes its own usage record
/// (paid all the same) and the route escalates.
/// </summary>
internal sealed class CascadeStep(TimeProvider time)
{
    /// <summary>
    /// Reads a cheaper model's whole answer and runs the cascade's checks on it. A passing answer is handed on
    /// to be relayed from memory; a failing one is logged as its own record (its cost is paid all the same) and dropped.
    /// </summary>
    public async ValueTask<(bool Passed, GatewayResponse Response, string? Failure)> CheckAsync(RoutePolicy route, GatewayContext context, RouteTarget target,
        UpstreamResponse upstream, long started)
    {
        using var answer = new PooledBufferWriter(8192);
        string? failure;
        bool whole;
        try
        {
            // Bounded by the request's output limit and the upstream's total timeout; an answer past the gateway's limit
            // is as good as broken off.
            whole = await answer.ReadFromAsync(upstream.Body, UpstreamResponse.MaxAnswerBytes, upstream.ReadCancellation);
        }
        catch (Exception e) when (!context.Aborted.IsCancellationRequested && e is OperationCanceledException or IOException or ObjectDisposedException)
        {
            whole = false;
        }

        if (!whole)
        {
            failure = "complete"; // the cheaper model's answer broke off or timed out: nothing has reached the client yet
            RecordEscalated(context, target, upstream, AnswerView.Read(context.Request, answer.WrittenSpan), failure, started);
            upstream.Dispose();
            return (false, default, failure);
        }

        var view = AnswerView.Read(context.Request, answer.WrittenSpan);
        using (var asked = CascadeRequest.Read(context.Request))
        {
            failure = route.Cascade.FirstFailure(view, asked);
        }

        if (failure is null)
        {
            return (true, Replay(upstream, answer.WrittenSpan), null);
        }

        RecordEscalated(context, target, upstream, view with { Usage = upstream.ReportedUsage?.Invoke() ?? view.Usage }, failure, started);
        upstream.Dispose();
        return (false, default, failure);
    }

    /// <summary>An answer read whole, relayed from memory as if it came from the upstream.</summary>
    private static GatewayResponse Replay(UpstreamResponse upstream, ReadOnlySpan<byte> answer) =>
        GatewayResponse.From(new UpstreamResponse(upstream.StatusCode, upstream.ContentType, new MemoryStream(answer.ToArray(), writable: false), upstream)
        {
            RetryAfter = upstream.RetryAfter,
            RequestId = upstream.RequestId,
            ReadCancellation = upstream.ReadCancellation,
            ReportedUsage = upstream.ReportedUsage,
        });

    /// <summary>A cheaper model's rejected answer: its own record, with the request's attribution, its tokens and what they cost.</summary>
    private void RecordEscalated(GatewayContext context, RouteTarget target, UpstreamResponse upstream, AnswerView view, string failure, long started)
    {
        var main = context.Record;
        var model = target.Deployment.UpstreamModel;
        var usage = target.Deployment.WithSearchesRun(view.Usage ?? new TokenUsage(context.PromptTokens(model), 0, 0, TokenEstimator.Count(model, view.Text), 0),
            context.Request);
        var elapsed = time.GetElapsedTime(started).TotalMilliseconds;
        context.AddExtraRecord(new UsageRecord
        {
            Id = $"{main.Id}.{main.RouteAttempts}",
            StartedAt = main.StartedAt,
            Endpoint = main.Endpoint,
            Dialect = main.Dialect,
            Model = main.Model,
            Provider = target.Deployment.Provider,
            UpstreamModel = model,
            UpstreamRequestId = upstream.RequestId,
            KeyId = main.KeyId,
            Team = main.Team,
            Tags = main.Tags,
            SessionId = main.SessionId,
            OutcomeId = main.OutcomeId,
            Stream = main.Stream,
            Status = 200,
            ErrorCode = "cascade_escalated",
            Usage = usage,
            Estimated = view.Usage is null,
            CostUsd = target.Deployment.Cost(usage, elapsed),
            Unpriced = !target.Deployment.Prices(usage),
            LatencyMs = elapsed,
            Route = main.Route,
            RoutePolicy = main.RoutePolicy,
            RouteReason = $"cascade step {main.RouteAttempts}: the answer failed the {failure} check, escalated",
            RouteAttempts = main.RouteAttempts,
        });
    }
}
