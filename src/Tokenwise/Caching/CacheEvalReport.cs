using System.Text.Json.Serialization;

namespace Tokenwise.Caching;

/// <summary>
/// What <c>tokenwise cache eval</c> measured on one data set, with the gateway's decision (similarity threshold
/// and second stage); <see cref="CosineOnly"/> is the nearest entry's cosine alone at the same threshold.
/// </summary>
internal sealed record CacheEvalReport(
    string Mode,
    string Embedder,
    int Rows,
    double Threshold,
    double? RocAuc,
    OperatingPoint AtThreshold,
    IReadOnlyList<OperatingPoint> Points,
    LatencyFigures EmbedLatency,
    LatencyFigures? LookupLatency,
    OperatingPoint? WithoutContext,
    OperatingPoint CosineOnly,
    double? CosineOnlyRocAuc);

/// <summary>
/// The cache's behaviour at one similarity threshold. <see cref="Served"/> counts queries answered from
/// the cache; <see cref="FalseHitRate"/> is the share of queries that must not be served but were
/// (for <c>--gptcache</c>, the share of all queries served someone else's answer).
/// </summary>
internal sealed record OperatingPoint(double Threshold, int Served, double HitRate, double Recall, double FalseHitRate, double Precision, double F1);

/// <summary>Milliseconds per call, one query at a time.</summary>
internal sealed record LatencyFigures(int Samples, double P50Ms, double P99Ms);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(CacheEvalReport))]
internal sealed partial class CacheEvalJsonContext : JsonSerializerContext;
