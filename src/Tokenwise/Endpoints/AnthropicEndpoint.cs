using System.Buffers;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Tokenwise.Anthropic;
using Tokenwise.Caching;
using Tokenwise.Configuration;
using Tokenwise.Hosting;
using Tokenwise.Json;
using Tokenwise.Metering;
using Tokenwise.OpenAI;
using Tokenwise.Pipeline;

namespace Tokenwise.Endpoints;

/// <summary>
/// The Anthropic-dialect endpoints (<c>/v1/messages</c>, <c>/v1/messages/count_tokens</c>): read and
/// parse the body, run the pipeline, relay the answer (streamed or not) and meter it, with the
/// gateway's own errors in Anthropic's error body. Every request ends in exactly one usage record.
/// </summary>
public sealed partial class AnthropicEndpoint(
    GatewayPipeline pipeline,
    UsageLog usageLog,
    TokenwiseOptions options,
    GatewayComponents components,
    ResponseCache cache,
    TimeProvider time,
    ILogger<AnthropicEndpoint> logger)
{
    private const int MaxUpstreamErrorBytes = 1024 * 1024;

    // The client headers that configure the Anthropic API itself; they travel on to an Anthropic provider.
    private static readonly string[] s_dialectHeaders = ["anthropic-version", "anthropic-beta"];

    private readonly long _maxBodyBytes = options.Server.MaxRequestBodyBytes;
    private readonly bool _logBodies = options.Server.LogBodies;
    private readonly CacheOptions _cacheOptions = options.Cache;
    private readonly TimeSpan _streamIdle = components.Timeouts.StreamIdle;

    public Task MessagesAsync(HttpContext http) => HandleAsync(http, ApiKind.Messages, "messages");

    public Task CountTokensAsync(HttpContext http) => HandleAsync(http, ApiKind.CountTokens, "messages.count_tokens");

    private async Task HandleAsync(HttpContext http, ApiKind api, string endpoint)
    {
        var started = time.GetTimestamp();
        var now = time.GetUtcNow();
        var record = new UsageRecord
        {
            Id = RequestIds.Next(now),
            StartedAt = now,
            Endpoint = endpoint,
            Dialect = AnthropicRequestParser.Dialect,
        };
        http.Response.Headers[OpenAIEndpoint.RequestIdHeader] = record.Id;
        var aborted = http.RequestAborted;
        using var body = new PooledBufferWriter(RequestLengthHint(http.Request));
        GatewayContext? context = null;
        var calledUpstream = false;
        try
        {
            if (!await ReadBodyAsync(http.Request, body, aborted))
            {
                await WriteErrorAsync(http, record, GatewayError.PayloadTooLarge(_maxBodyBytes));
                return;
            }

            if (!AnthropicRequestParser.TryParse(body.WrittenMemory, api, DialectHeaders(http.Request), out var request, out var parseError))
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
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            record.Status = StatusCodes.Status499ClientClosedRequest;
            record.ErrorCode = "client_cancelled";
            if (context is not null && record.Usage == default && api == ApiKind.Messages)
            {
                Estimate(context, meter: null, generated: "");
            }
        }
        catch (BadHttpRequestException e)
        {
            // Kestrel rejects a body over its limit or a client that stops sending mid-body.
            var error = e.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? GatewayError.PayloadTooLarge(_maxBodyBytes)
                : GatewayError.InvalidRequest("The request body could not be read: " + e.Message, "invalid_body");
            await TryWriteErrorAsync(http, record, error);
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
        }
    }

    private async Task RelayJsonAsync(HttpContext http, GatewayContext context, UpstreamResponse upstream, long started)
    {
        var record = context.Record;
        using var answer = new PooledBufferWriter(4096);
        try
        {
            await answer.ReadFromAsync(upstream.Body, long.MaxValue, upstream.ReadCancellation);
        }
        catch (Exception e) when (!context.Aborted.IsCancellationRequested && e is OperationCanceledException or IOException or ObjectDisposedException)
        {
            await WriteErrorAsync(http, record, upstream.ReadCancellation.IsCancellationRequested
                ? GatewayError.UpstreamTimeout(record.Provider ?? "", "total")
                : GatewayError.UpstreamUnavailable(record.Provider ?? "", "the connection broke while reading the answer"));
            if (context.Request.Api == ApiKind.Messages)
            {
                Estimate(context, meter: null, generated: "");
            }

            return;
        }

        // Counting tokens is free: its answer is relayed, not metered.
        if (context.Request.Api == ApiKind.Messages)
        {
            if (upstream.ReportedUsage?.Invoke() is { } reported)
            {
                record.Usage = reported; // a translated answer: the provider's own usage, reasoning included
            }
            else if (AnthropicUsage.TryReadMessage(answer.WrittenSpan, out var usage))
            {
                record.Usage = usage.ToTokenUsage();
            }
            else
            {
                Estimate(context, meter: null, AnthropicResponseText.Collect(answer.WrittenSpan));
            }
        }

        record.Status = upstream.StatusCode;
        var cost = Price(context, ElapsedMs(started));
        http.Response.StatusCode = upstream.StatusCode;
        http.Response.ContentType = upstream.ContentType ?? "application/json";
        http.Response.ContentLength = answer.WrittenCount;
        http.Response.Headers[OpenAIEndpoint.CostHeader] = cost.ToString("0.############", CultureInfo.InvariantCulture);
        if (_logBodies)
        {
            record.ResponseBody = Encoding.UTF8.GetString(answer.WrittenSpan);
        }

        cache.Store(context, answer.WrittenSpan, http.Response.ContentType);
        await http.Response.Body.WriteAsync(answer.WrittenMemory, context.Aborted);
    }

    private async Task RelayStreamAsync(HttpContext http, GatewayContext context, UpstreamResponse upstream, long started)
    {
        var record = context.Record;
        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        http.Response.StatusCode = upstream.StatusCode;
        http.Response.ContentType = "text/event-stream; charset=utf-8";
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers["X-Accel-Buffering"] = "no";
        record.Status = upstream.StatusCode;

        var meter = new AnthropicStreamMeter();
        // The client-visible stream is kept for the body log and for the cache, which replays it as sent.
        using var capture = _logBodies || context.Cache?.Key is not null ? new PooledBufferWriter(16 * 1024) : null;
        var outcome = await SseRelay.RelayAsync(upstream.Body, http.Response.BodyWriter, meter, _streamIdle,
            () => record.TtftMs = ElapsedMs(started), capture, upstream.ReadCancellation);

        if (outcome == RelayOutcome.ClientCancelled && !context.Aborted.IsCancellationRequested)
        {
            outcome = RelayOutcome.IdleTimeout; // the total deadline expired, not the client
            record.ErrorCode = "upstream_timeout";
        }

        switch (outcome)
        {
            case RelayOutcome.ClientCancelled:
                record.Status = StatusCodes.Status499ClientClosedRequest;
                record.ErrorCode = "client_cancelled";
                break;
            case RelayOutcome.IdleTimeout:
                record.ErrorCode ??= "upstream_idle_timeout";
                await WriteStreamErrorAsync(http, record, GatewayError.UpstreamTimeout(record.Provider ?? "", record.ErrorCode == "upstream_timeout" ? "total" : "stream idle"));
                break;
            case RelayOutcome.UpstreamBroken:
                record.ErrorCode = "upstream_stream_broken";
                await WriteStreamErrorAsync(http, record, GatewayError.UpstreamUnavailable(record.Provider ?? "", "the stream broke before it finished"));
                break;
            case RelayOutcome.Completed when meter.ErrorType is { } errorType:
                record.ErrorCode = errorType; // the upstream ended its stream with an error event, relayed as sent
                break;
        }

        if (upstream.ReportedUsage is { } reportedUsage)
        {
            // A translated stream: its message_start carries no real prompt count, so only the provider's own usage counts.
            if (reportedUsage() is { } reported)
            {
                record.Usage = reported;
            }
            else
            {
                Estimate(context, meter: null, meter.GeneratedText);
            }
        }
        else if (meter.HasFinalUsage && meter.HasInputUsage)
        {
            record.Usage = meter.Usage.ToTokenUsage();
        }
        else
        {
            Estimate(context, meter, meter.GeneratedText);
        }

        if (capture is not null && outcome == RelayOutcome.Completed && meter.ErrorType is null)
        {
            cache.Store(context, capture.WrittenSpan, "text/event-stream; charset=utf-8"); // complete answers only
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
        record.ErrorCode = AnthropicErrorBody.ReadType(answer.WrittenSpan) ?? $"upstream_{upstream.StatusCode}";
        http.Response.StatusCode = upstream.StatusCode;
        http.Response.ContentType = upstream.ContentType ?? "application/json";
        if (upstream.RetryAfter is { } retryAfter)
        {
            http.Response.Headers.RetryAfter = retryAfter;
        }

        await http.Response.Body.WriteAsync(answer.WrittenMemory, aborted);
    }

    /// <summary>Sets the record's cost from its final usage (or, priced by the hour, from the upstream's time on it); a cache hit costs nothing.</summary>
    private decimal Price(GatewayContext context, double upstreamMilliseconds) => StageResults.Price(context, cache, upstreamMilliseconds);

    /// <summary>
    /// Counts tokens locally when the provider's usage is missing or incomplete, and flags the record as
    /// estimated. The prompt side reported by <c>message_start</c> is kept when the stream got that far.
    /// </summary>
    private static void Estimate(GatewayContext context, AnthropicStreamMeter? meter, string generated)
    {
        var model = context.Deployment?.UpstreamModel ?? context.Request.Model;
        var output = TokenEstimator.Count(model, generated);
        var reported = meter is { HasInputUsage: true } ? meter.Usage : new AnthropicUsage(AnthropicPromptEstimator.Estimate(context.Request, model), 0, 0, 0);
        context.Record.Usage = (reported with { OutputTokens = Math.Max(output, meter?.Usage.OutputTokens ?? 0) }).ToTokenUsage();
        context.Record.Estimated = true;
    }

    private static List<KeyValuePair<string, string>> DialectHeaders(HttpRequest request)
    {
        var headers = new List<KeyValuePair<string, string>>(s_dialectHeaders.Length);
        foreach (var name in s_dialectHeaders)
        {
            var value = request.Headers[name].ToString();
            if (value.Length > 0)
            {
                headers.Add(new(name, value));
            }
        }

        return headers;
    }

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

    private static async Task WriteErrorAsync(HttpContext http, UsageRecord record, GatewayError error)
    {
        record.Status = error.Status;
        record.ErrorCode = error.Code ?? error.Type;
        http.Response.StatusCode = error.Status;
        http.Response.ContentType = "application/json";
        AnthropicErrorBody.Write(error, record.Id, http.Response.BodyWriter);
        await http.Response.BodyWriter.FlushAsync(http.RequestAborted);
    }

    private static async Task TryWriteErrorAsync(HttpContext http, UsageRecord record, GatewayError error)
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

    /// <summary>After the first streamed byte the status is sent; a failure becomes Anthropic's <c>error</c> event.</summary>
    private static async Task WriteStreamErrorAsync(HttpContext http, UsageRecord record, GatewayError error)
    {
        try
        {
            http.Response.BodyWriter.Write("event: error\ndata: "u8);
            AnthropicErrorBody.Write(error, record.Id, http.Response.BodyWriter);
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
