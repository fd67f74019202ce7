using System.Diagnostics;
using System.Diagnostics.Metrics;
using Tokenwise.Metering;

namespace Tokenwise.Hosting;

/// <summary>
/// The usage log as metrics (meter <c>Tokenwise</c>, exported at <c>/metrics</c> for Prometheus and over OTLP when
/// configured): OpenTelemetry's GenAI client metrics for tokens and durations, and the gateway's own for requests,
/// cost and savings. The background usage writer records each record once as it takes it from the log, so the request
/// path pays nothing for them.
/// </summary>
public sealed class UsageMetrics
{
    public const string MeterName = "Tokenwise";

    // The bucket boundaries the GenAI semantic conventions prescribe for these two histograms.
    private static readonly long[] s_tokenBuckets = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];
    private static readonly double[] s_durationBuckets = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];

    private readonly Histogram<long> _tokens;
    private readonly Histogram<double> _duration;
    private readonly Histogram<double> _timeToFirstChunk;
    private readonly Counter<long> _requests;
    private readonly Counter<double> _cost;
    private readonly Counter<double> _saved;
    private readonly Counter<long> _unpriced;

    public UsageMetrics(IMeterFactory meters, UsageLog log)
    {
        var meter = meters.Create(MeterName);
        _tokens = meter.CreateHistogram("gen_ai.client.token.usage", "{token}", "Number of input and output tokens used.",
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = s_tokenBuckets });
        _duration = meter.CreateHistogram("gen_ai.client.operation.duration", "s", "GenAI operation duration.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_durationBuckets });
        _timeToFirstChunk = meter.CreateHistogram("gen_ai.client.operation.time_to_first_chunk", "s",
            "Time to the first chunk of a streamed answer.", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_durationBuckets });
        _requests = meter.CreateCounter<long>("tokenwise.requests", "{request}", "Requests answered, by outcome.");
        _cost = meter.CreateCounter<double>("tokenwise.cost.usd", description: "What the requests cost, in US dollars, as the usage log prices them.");
        _saved = meter.CreateCounter<double>("tokenwise.saved.usd", description: "What cache hits saved, in US dollars, at the current prices.");
        _unpriced = meter.CreateCounter<long>("tokenwise.requests.unpriced", "{request}",
            "Requests served by a model no price is known for: their cost reads 0 in tokenwise.cost.usd and the usage log.");
        meter.CreateObservableGauge("tokenwise.usage_log.pending", () => log.Pending, "{record}", "Usage records waiting to be stored.");
        meter.CreateObservableCounter("tokenwise.usage_log.refused", () => log.Refused, "{request}",
            "Requests refused because the usage log's backlog was full (storage.max_pending_records).");
    }

    /// <summary>Records a batch the usage writer took from the log.</summary>
    public void Record(IReadOnlyList<UsageRecord> batch)
    {
        foreach (var r in batch)
        {
            // A model the gateway did not resolve, or a provider/model address the provider did not know (404), is the
            // client's text: left out, so that arbitrary names cannot mint series.
            var known = r.Provider is not null && r.Status != 404;
            var model = known ? r.Model : "unresolved";
            var provider = r.Provider ?? "none";
            var attribution = new TagList
            {
                { "gen_ai.request.model", model },
                { "gen_ai.provider.name", provider },
                { "tokenwise.team", r.Team ?? "" },
            };
            if (r.CostUsd != 0)
            {
                _cost.Add((double)r.CostUsd, attribution);
            }

            if (r.SavedUsd != 0)
            {
                _saved.Add((double)r.SavedUsd, attribution);
            }

            if (r.Unpriced)
            {
                _unpriced.Add(1, attribution);
            }

            attribution.Add("http.response.status_code", r.Status);
            attribution.Add("tokenwise.cache", r.Cache ?? "none");
            _requests.Add(1, attribution);
            RecordCall(r, model, known ? r.UpstreamModel : null, provider);
        }
    }

    private void RecordCall(UsageRecord r, string model, string? upstreamModel, string provider)
    {
        var error = GenAiConventions.ErrorType(r);
        var call = new TagList
        {
            { "gen_ai.operation.name", GenAiConventions.Operation(r.Endpoint) },
            { "gen_ai.provider.name", provider },
            { "gen_ai.request.model", model },
        };
        if (upstreamModel is not null)
        {
            call.Add("gen_ai.response.model", upstreamModel);
        }

        var duration = call;
        if (error is not null)
        {
            duration.Add("error.type", error);
        }

        _duration.Record(r.LatencyMs / 1000, duration);
        if (r.Stream && r.TtftMs is { } ttft && error is null)
        {
            _timeToFirstChunk.Record(ttft / 1000, call);
        }

        // Billable tokens of calls that reached a model; a cache hit's tokens were not used again.
        if (r.Cache is not ("hit-exact" or "hit-semantic") && r.Usage.TotalTokens > 0)
        {
            var input = call;
            input.Add("gen_ai.token.type", "input");
            _tokens.Record(r.Usage.InputTokens, input);
            var output = call;
            output.Add("gen_ai.token.type", "output");
            _tokens.Record(r.Usage.OutputTokens, output);
        }
    }
}
