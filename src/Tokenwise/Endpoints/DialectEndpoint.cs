using System.Buffers;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Tokenwise.Caching;
using Tokenwise.Configuration;
using Tokenwise.Hosting;
using Tokenwise.Json;
using Tokenwise.Metering;
using Tokenwise.OpenAI;
using Tokenwise.Pipeline;

namespace Tokenwise.Endpoints;

/// <summary>
/// The request lifecycle every dialect shares: read and parse the body, attribute it, run the pipeline,
/// relay the answer (streamed or not) as it arrives, meter it, and end in exactly one usage record and
/// one settled reservation, whatever happens. A dialect supplies only its wire formats: parsing, error
/// bodies, where usage sits in an answer and a stream.
/// </summary>
public abstract partial class DialectEndpoint(
    GatewayPipeline pipeline,
    UsageLog usageLog,
    TokenwiseOptions options,
    GatewayComponents components,
    ResponseCache cache,
    TimeProvider time,
    ILogger logger)
{
    public const string RequestIdHeader = "x-tokenwise-request-id";
    public const string CostHeader = "x-tokenwise-cost-usd";
    private const int MaxUpstreamErrorBytes = 1024 * 1024;
    private const string EventStream = "text/event-stream; charset=utf-8";

    private readonly long _maxBodyBytes = options.Server.MaxRequestBodyBytes;
    private readonly bool _logBodies = options.Server.LogBodies;
    private readonly CacheOptions _cacheOptions = options.Cache;
    private readonly TimeSpan _streamIdle = components.Timeouts.StreamIdle;
    private readonly double _longestCallMs = components.Timeouts.Total.TotalMilliseconds;

    /// <summary>The dialect's name in usage records, e.g. <c>openai</c>.</summary>
    protected abstract string Dialect { get; }

    /// <summary>The response header the client's SDK reads the provider's request id from.</summary>
    protected abstract string UpstreamRequestIdHeader { get; }

    protected abstract bool TryParse(ReadOnlyMemory<byte> body, ApiKind api, HttpRequest http, out LlmRequest request, out GatewayError error);

    /// <summary>Writes the gateway's own error in the dialect's error body.</summary>
    protected abstract void WriteError(GatewayError error, UsageRecord record, IBufferWriter<byte> output);

    /// <summary>The code (or type) in an upstream error body, for the record.</summary>
    protected abstract string? ReadErrorCode(ReadOnlySpan<byte> body);

    /// <summary>The usage a whole (non-streamed) answer reports.</summary>
    protected abstract bool TryReadUsage(ReadOnlySpan<byte> answer, out TokenUsage usage);

    /// <summary>The generated text of a whole answer, to estimate its output when it reports no usage.</summary>
    protected abstract string AnswerText(ReadOnlySpan<byte> answer);

    protected abstract IStreamMeter NewStreamMeter(LlmRequest request);

    /// <summary>What a relayed stream's meter found.</summary>
    protected abstract StreamSummary Summarize(IStreamMeter meter);

    /// <summary>Writes a final error event (without its closing blank line), once the stream's status is sent.</summary>
    protected abstract void WriteStreamError(GatewayError error, UsageRecord record, IStreamMeter meter, IBufferWriter<byte> output);

    /// <summary>Whether requests to <paramref name="api"/> are metered (counting tokens is free).</summary>
    protected virtual bool Meters(ApiKind api) => true;

    /// <summary>Counts tokens locally when the provider reported none, and flags the record as estimated.</summary>
    protected virtual void Estimate(GatewayContext context, IStreamMeter? meter, string generated)
    {
        var model = context.Deployment?.UpstreamModel ?? context.Request.Model;
        context.Record.Usage = new TokenUsage(context.PromptTokens(model), 0, 0, TokenEstimator.Count(model, generated), 0);
        context.Record.Estimated = true;
    }

    protected async Task HandleAsync(HttpContext http, ApiKind api, string endpoint)
    {
        var started = time.GetTimestamp();
        var now = time.GetUtcNow();
        var record = new UsageRecord
        {
            Id = RequestIds.Next(now),
            StartedAt = now,
            Endpoint = endpoint,
            Dialect = Dialect,
        };
        http.Response.Headers[RequestIdHeader] = record.Id;
        if (!usageLog.Admits())
        {
            // The store has refused writes for long enough that records pile up in memory: refused before anything is
            // read or sent, this request has nothing to record (UsageLog.Refused counts it), and the backlog stops growing.
            http.Response.Headers.RetryAfter = "5";
            await WriteErrorAsync(http, record, GatewayError.UsageLogFull(usageLog.MaxPending));
            return;
        }

        var span = GatewayTracing.Start(http.Request, endpoint);
        var aborted = http.RequestAborted;
        using var body = new PooledBufferWriter(RequestLengthHint(http.Request));
        GatewayContext? context = null;
        var calledUpstream = false;
        try
        {
            if (RequestEncoding.Unsupported(http.Request) is { } encodingError)
            {
                http.Response.Headers.Connection = "close"; // the body is left unread
                await WriteErrorAsync(http, record, encodingError);
                return;
            }

            if (!await ReadBodyAsync(http.Request, body, aborted))
            {
                // The rest of the body is left unread, so the connection cannot carry another request: the client is told.
                http.Response.Headers.Connection = "close";
                await WriteErrorAsync(http, record, GatewayError.PayloadTooLarge(_maxBodyBytes));
                return;
            }

            if (!TryParse(body.WrittenMemory, api, http.Request, out var request, out var parseError))
            {
                await WriteErrorAsync(http, record, parseError);
                return;
            }

            record.Model = request.Model;
            record.Stream = request.Stream;
            if (_logBodies)
            {
                record.RequestBody = Encoding.UTF8.GetString(body.WrittenSpan);
            }

            if (Attribution.Read(http.Request, request, record) is { } attributionError)
            {
                await WriteErrorAsync(http, record, attributionError);
                return;
            }

            context = new GatewayContext(request, record, aborted) { ApiKey = ClientKey.From(http.Request) };
            if (CacheHttp.Attach(http.Request, _cacheOptions, context) is { } cacheError)
            {
                await WriteErrorAsync(http, record, cacheError);
                return;
            }

            var response = await pipeline.InvokeAsync(context);
            StageResults.WriteHeaders(http, context);
            if (response.Error is { } error)
            {
                await WriteErrorAsync(http, record, error);
                return;
            }

            using var upstream = response.Upstream!;
            calledUpstream = true;
            if (upstream.RequestId is { } upstreamRequestId)
            {
                record.UpstreamRequestId = upstreamRequestId;
                http.Response.Headers[UpstreamRequestIdHeader] = upstreamRequestId;
            }

            if (upstream.IsSuccess && request.Stream)
            {
                await RelayStreamAsync(http, context, upstream, started); // TTFT: the first event relayed
            }
            else
            {
                record.TtftMs = ElapsedMs(started); // TTFT: the upstream's response headers
                await (upstream.IsSuccess ? RelayJsonAsync(http, context, upstream, started) : RelayUpstreamErrorAsync(http, record, upstream, aborted));
            }
        }
        catch (Exception e) when (aborted.IsCancellationRequested && e is OperationCanceledException or IOException or ObjectDisposedException)
        {
            // The client went away. The upstream call cancelled under it can also end as an IOException (a read of the
            // answer cut short) or a disposed stream, not only as a cancellation: the record is the client's all the same.
            record.Status = StatusCodes.Status499ClientClosedRequest;
            record.ErrorCode = "client_cancelled";
            if (context is not null && record.Usage == default && Meters(api))
            {
                Estimate(context, meter: null, generated: "");
            }
        }
        catch (BadHttpRequestException e) when (e.Message.Contains("Unexpected end of request content", StringComparison.Ordinal))
        {
            // The client closed its connection before its body was complete: it went away, as above, though Kestrel may
            // not have fired RequestAborted yet.
            record.Status = StatusCodes.Status499ClientClosedRequest;
            record.ErrorCode = "client_cancelled";
        }
        catch (BadHttpRequestException e)
        {
            // Kestrel rejects a body over its limit or a client that stops sending mid-body.
            var error = e.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? GatewayError.PayloadTooLarge(_maxBodyBytes)
                : GatewayError.InvalidRequest("The request body could not be read: " + e.Message, "invalid_body");
            await TryWriteErrorAsync(http, record, error);
        }
        catch (InvalidDataException e) when (!calledUpstream)
        {
            if (!http.Response.HasStarted)
            {
                http.Response.Headers.Connection = "close"; // the body is left unread, as for one over the limit
            }

            await TryWriteErrorAsync(http, record, GatewayError.BodyNotDecompressed(e.Message));
        }
        catch (Exception e)
        {
            LogUnexpected(logger, record.Id, e);
            await TryWriteErrorAsync(http, record, new GatewayError(500, "api_error", "internal_error",
                $"The gateway failed to handle the request (request id {record.Id})."));
        }
        finally
        {
            record.LatencyMs = ElapsedMs(started);
            // A non-streamed answer was priced already, for its cost header; everything else is priced here,
            // and so is every answer priced by the hour, now that its latency is final.
            if (context is not null && (record.CostUsd == 0m || context.Deployment?.CostPerHourUsd is not null))
            {
                Price(context, calledUpstream ? record.LatencyMs : 0);
            }

            await StageResults.CompleteAsync(usageLog, record, context);
            if (span is not null)
            {
                GatewayTracing.Finish(span, record);
            }
        }
    }

    private async Task RelayJsonAsync(HttpContext http, GatewayContext context, UpstreamResponse upstream, long started)
    {
        var record = context.Record;
        var metered = Meters(context.Request.Api);
        using var answer = new PooledBufferWriter(4096);
        GatewayError? failure = null;
        try
        {
            if (!await answer.ReadFromAsync(upstream.Body, UpstreamResponse.MaxAnswerBytes, upstream.ReadCancellation))
            {
                failure = GatewayError.UpstreamAnswerTooLarge(record.Provider ?? "");
            }
        }
        catch (Exception e) when (!context.Aborted.IsCancellationRequested && e is OperationCanceledException or IOException or ObjectDisposedException)
        {
            failure = upstream.ReadCancellation.IsCancellationRequested
                ? GatewayError.UpstreamTimeout(record.Provider ?? "", "total")
                : GatewayError.UpstreamUnavailable(record.Provider ?? "", "the connection broke while reading the answer");
        }

        if (failure is not null)
        {
            await WriteErrorAsync(http, record, failure);
            if (metered)
            {
                Estimate(context, meter: null, generated: "");
                StageResults.CountSearches(context); // the provider answered: a search model had searched
            }

            return;
        }

        // An error answered with status 200 (some OpenAI-compatible servers and proxies do) is recorded as the error it is,
        // and never cached, or every repeat would be served it. It is billed only for the usage it reports (a failed
        // Responses API call may carry what it used), never at an estimate, as error statuses are not.
        var answeredError = OpenAIErrorBody.IsError(answer.WrittenSpan);
        if (metered && !answeredError)
        {
            Meter(context, upstream, answer.WrittenSpan);
            StageResults.CountSearches(context);
        }
        else if (metered && TryReadUsage(answer.WrittenSpan, out var reportedWithError))
        {
            record.Usage = reportedWithError;
        }

        record.Status = upstream.StatusCode;
        if (answeredError)
        {
            record.ErrorCode = ReadErrorCode(answer.WrittenSpan) ?? "upstream_error";
        }

        var cost = Price(context, ElapsedMs(started));
        http.Response.StatusCode = upstream.StatusCode;
        http.Response.ContentType = upstream.ContentType ?? "application/json";
        http.Response.ContentLength = answer.WrittenCount;
        if (!record.Unpriced)
        {
            // Without a price the cost is unknown, not zero: no header rather than a 0 a client would take at its word.
            http.Response.Headers[CostHeader] = cost.ToString("0.############", CultureInfo.InvariantCulture);
        }

        if (_logBodies)
        {
            record.ResponseBody = Encoding.UTF8.GetString(answer.WrittenSpan);
        }

        if (!answeredError)
        {
            cache.Store(context, answer.WrittenSpan, http.Response.ContentType);
        }

        await http.Response.Body.WriteAsync(answer.WrittenMemory, context.Aborted);
    }

    private void Meter(GatewayContext context, UpstreamResponse upstream, ReadOnlySpan<byte> answer)
    {
        if (upstream.ReportedUsage?.Invoke() is { } reported)
        {
            context.Record.Usage = reported; // a translated answer: the provider's own usage, which the client's dialect may not carry whole
        }
        else if (TryReadUsage(answer, out var usage))
        {
            context.Record.Usage = usage;
        }
        else
        {
            Estimate(context, meter: null, AnswerText(answer));
        }
    }

    private async Task RelayStreamAsync(HttpContext http, GatewayContext context, UpstreamResponse upstream, long started)
    {
        var record = context.Record;
        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        http.Response.StatusCode = upstream.StatusCode;
        http.Response.ContentType = EventStream;
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers["X-Accel-Buffering"] = "no";
        record.Status = upstream.StatusCode;

        var meter = NewStreamMeter(context.Request);
        // The client-visible stream is kept for the body log and for the cache, which replays it as sent.
        using var capture = _logBodies || context.Cache?.Key is not null ? new StreamCapture(_logBodies ? null : ResponseCache.MaxEntryBytes) : null;
        var outcome = await SseRelay.RelayAsync(upstream.Body, http.Response.BodyWriter, meter, _streamIdle,
            () => record.TtftMs = ElapsedMs(started), capture, upstream.ReadCancellation);

        if (outcome == RelayOutcome.ClientCancelled && !context.Aborted.IsCancellationRequested && upstream.ReadCancellation.IsCancellationRequested)
        {
            // The read was cancelled and not by the client: the total deadline expired. (A client that went away can also
            // show first as a finished response pipe, before Kestrel fires RequestAborted; that stays the client's.)
            outcome = RelayOutcome.IdleTimeout;
            record.ErrorCode = "upstream_timeout";
        }

        var summary = Summarize(meter);
        switch (outcome)
        {
            case RelayOutcome.Completed when summary.ErrorCode is { } errorCode:
                record.ErrorCode = errorCode; // the upstream ended its stream with an error, relayed as sent
                break;
            case RelayOutcome.ClientCancelled:
                record.Status = StatusCodes.Status499ClientClosedRequest;
                record.ErrorCode = "client_cancelled";
                break;
            case RelayOutcome.IdleTimeout:
                record.ErrorCode ??= "upstream_idle_timeout";
                await WriteStreamErrorAsync(http, record, meter,
                    GatewayError.UpstreamTimeout(record.Provider ?? "", record.ErrorCode == "upstream_timeout" ? "total" : "stream idle"));
                break;
            case RelayOutcome.UpstreamBroken:
                record.ErrorCode = "upstream_stream_broken";
                await WriteStreamErrorAsync(http, record, meter, GatewayError.UpstreamUnavailable(record.Provider ?? "", "the stream broke before it finished"));
                break;
        }

        if (upstream.ReportedUsage is { } reportedUsage)
        {
            // A translated stream: only the provider's own usage counts (the translated events may not carry it whole).
            if (reportedUsage() is { } reported)
            {
                record.Usage = reported;
            }
            else
            {
                Estimate(context, meter: null, summary.GeneratedText);
                if (upstream.PartialUsage?.Invoke() is { } partial)
                {
                    // Cut short after the provider reported part of its usage: that part is exact, only the output is estimated.
                    record.Usage = partial with { OutputTokens = Math.Max(partial.OutputTokens, record.Usage.OutputTokens) };
                }
            }
        }
        else if (summary.Usage is { } usage)
        {
            record.Usage = usage;
        }
        else
        {
            Estimate(context, meter, summary.GeneratedText);
        }

        StageResults.CountSearches(context); // a search model's search ran before the answer began, however the stream ended
        if (capture is { Overflowed: false } && outcome == RelayOutcome.Completed && summary.Complete)
        {
            cache.Store(context, capture.WrittenSpan, EventStream); // complete answers only
        }

        if (capture is not null && _logBodies)
        {
            record.ResponseBody = Encoding.UTF8.GetString(capture.WrittenSpan);
        }
    }

    private async Task RelayUpstreamErrorAsync(HttpContext http, UsageRecord record, UpstreamResponse upstream, CancellationToken aborted)
    {
        using var answer = new PooledBufferWriter(1024);
        try
        {
            await answer.ReadFromAsync(upstream.Body, MaxUpstreamErrorBytes, upstream.ReadCancellation);
        }
        catch (Exception e) when (!aborted.IsCancellationRequested && e is OperationCanceledException or IOException or ObjectDisposedException)
        {
            // The status still tells the client what happened.
        }

        record.Status = upstream.StatusCode;
        record.ErrorCode = ReadErrorCode(answer.WrittenSpan) ?? $"upstream_{upstream.StatusCode}";
        http.Response.StatusCode = upstream.StatusCode;
        http.Response.ContentType = upstream.ContentType ?? "application/json";
        if (upstream.RetryAfter is { } retryAfter)
        {
            http.Response.Headers.RetryAfter = retryAfter;
        }

        await http.Response.Body.WriteAsync(answer.WrittenMemory, aborted);
    }

    /// <summary>
    /// Sets the record's cost from its final usage (or, priced by the hour, from the upstream's time on it, at most the total
    /// upstream timeout: no call lasts longer, and that is what the admission gate reserved); a cache hit costs nothing.
    /// </summary>
    private decimal Price(GatewayContext context, double upstreamMilliseconds) =>
        StageResults.Price(context, cache, Math.Min(upstreamMilliseconds, _longestCallMs));

    private async Task<bool> ReadBodyAsync(HttpRequest request, PooledBufferWriter body, CancellationToken aborted)
    {
        if (request.ContentLength > _maxBodyBytes)
        {
            return false;
        }

        return await body.ReadFromAsync(request.Body, _maxBodyBytes, aborted);
    }

    private int RequestLengthHint(HttpRequest request) =>
        request.ContentLength is { } length && length <= _maxBodyBytes ? (int)length + 1 : 4096;

    private async Task WriteErrorAsync(HttpContext http, UsageRecord record, GatewayError error)
    {
        record.Status = error.Status;
        record.ErrorCode = error.Code ?? error.Type;
        http.Response.StatusCode = error.Status;
        http.Response.ContentType = "application/json";
        WriteError(error, record, http.Response.BodyWriter);
        await http.Response.BodyWriter.FlushAsync(http.RequestAborted);
    }

    private async Task TryWriteErrorAsync(HttpContext http, UsageRecord record, GatewayError error)
    {
        if (http.Response.HasStarted || http.RequestAborted.IsCancellationRequested)
        {
            record.Status = http.RequestAborted.IsCancellationRequested ? StatusCodes.Status499ClientClosedRequest : error.Status;
            record.ErrorCode ??= error.Code;
            return;
        }

        try
        {
            await WriteErrorAsync(http, record, error);
        }
        catch (OperationCanceledException)
        {
            record.Status = StatusCodes.Status499ClientClosedRequest;
        }
    }

    /// <summary>After the first streamed byte the status is sent; a failure becomes the dialect's final error event.</summary>
    private async Task WriteStreamErrorAsync(HttpContext http, UsageRecord record, IStreamMeter meter, GatewayError error)
    {
        try
        {
            WriteStreamError(error, record, meter, http.Response.BodyWriter);
            http.Response.BodyWriter.Write("\n\n"u8);
            await http.Response.BodyWriter.FlushAsync(http.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            // The client left as well.
        }
    }

    private double ElapsedMs(long started) => time.GetElapsedTime(started).TotalMilliseconds;

    [LoggerMessage(Level = LogLevel.Error, Message = "Request {RequestId} failed unexpectedly.")]
    private static partial void LogUnexpected(ILogger logger, string requestId, Exception error);
}
