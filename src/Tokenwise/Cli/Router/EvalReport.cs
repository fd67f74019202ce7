using System.Globalization;
using System.Text;
using System.Text.Json;
using Tokenwise.Routing;

namespace Tokenwise.Cli.Router;

/// <summary>
/// What <c>router eval</c> prints: RouteLLM's metrics for the router and three references on the same
/// rows (the prompt-length baseline, a random router's expectation, the oracle), the router's curve,
/// the calibrated threshold's operating point, and decision latency.
/// </summary>
internal sealed class EvalReport
{
    private static readonly double[] CurveShares = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1];

    private readonly IReadOnlyList<RoutingRow> _rows;
    private readonly RouterModel _model;
    private readonly double[] _latencies;
    private readonly double[] _scores;

    public EvalReport(IReadOnlyList<RoutingRow> rows, double[] scores, double[] latenciesMs, RouterModel model)
    {
        _rows = rows;
        _scores = scores;
        _model = model;
        _latencies = latenciesMs.Order().ToArray();
        Curves =
        [
            ("router", RoutingCurve.Sweep(rows, scores)),
            ("prompt-length", RoutingCurve.Sweep(rows, rows.Select(r => (double)r.Prompt.Length).ToArray())),
            ("random", RoutingCurve.Random(rows)),
            ("oracle", RoutingCurve.Oracle(rows)),
        ];
    }

    public (string Name, RoutingCurve Curve)[] Curves { get; }

    public double LatencyP50 => Percentile(0.50);

    public double LatencyP99 => Percentile(0.99);

    /// <summary>The share of these rows the calibrated threshold sends to the strong model, and the PGR it keeps.</summary>
    public (double Share, double Pgr) AtThreshold()
    {
        var curve = Curves[0].Curve;
        var share = _scores.Count(s => s >= _model.Threshold) / (double)_scores.Length;
        return (share, curve.AtShare(share).Pgr);
    }

    public void Write(OutputFormat format)
    {
        var inv = CultureInfo.InvariantCulture;
        var (share, pgr) = AtThreshold();
        if (format == OutputFormat.Json)
        {
            Console.WriteLine(Json(share, pgr));
            return;
        }

        CliOutput.Write(format, "", ["Router", "APGR", "CPT(50%)", "CPT(80%)"], ["router", "apgr", "cpt50", "cpt80"],
            Curves.Select(c => new object?[] { c.Name, F(c.Curve.Apgr), P(c.Curve.Cpt(0.5)), P(c.Curve.Cpt(0.8)) }));

        var router = Curves[0].Curve;
        var length = Curves[1].Curve;
        var hasCost = _rows.All(r => r.WeakCost is not null && r.StrongCost is not null);
        CliOutput.Write(format, "", ["Strong share", "Threshold", "Quality", "PGR", "Length PGR", hasCost ? "Cost / request (USD)" : "Cost"],
            ["strong_share", "threshold", "quality", "pgr", "length_pgr", "cost"],
            CurveShares.Select(s =>
            {
                var p = router.AtShare(s);
                return new object?[] { P(p.StrongShare), double.IsPositiveInfinity(p.Threshold) ? "above all" : F(p.Threshold), F(p.Quality), F(p.Pgr), F(length.AtShare(s).Pgr), p.Cost is { } c ? c.ToString("0.000000", inv) : "" };
            }));

        if (format == OutputFormat.Table)
        {
            Console.WriteLine($"router: {_model.Training.Label} ({_model.Training.Rows} rows)");
            Console.WriteLine(string.Create(inv, $"rows: {_rows.Count}; weak mean quality {router.WeakMean:0.####}, strong {router.StrongMean:0.####}"));
            Console.WriteLine(string.Create(inv, $"calibrated threshold {_model.Threshold:0.######} ({_model.Calibration.Target} {_model.Calibration.Value:0.###}): sends {share * 100:0.0}% of these rows to the strong model, PGR {pgr:0.###}"));
            Console.WriteLine(string.Create(inv, $"decision latency (embedding excluded): p50 {LatencyP50 * 1000:0.0} µs, p99 {LatencyP99 * 1000:0.0} µs over {_latencies.Length} decisions"));
        }
    }

    private string Json(double share, double pgr)
    {
        using var buffer = new MemoryStream();
        using (var json = new System.Text.Json.Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteNumber("rows", _rows.Count);
            json.WriteNumber("weak_mean", Curves[0].Curve.WeakMean);
            json.WriteNumber("strong_mean", Curves[0].Curve.StrongMean);
            json.WriteStartObject("routers");
            foreach (var (name, curve) in Curves)
            {
                json.WriteStartObject(name);
                json.WriteNumber("apgr", curve.Apgr);
                json.WriteNumber("cpt50", curve.Cpt(0.5));
                json.WriteNumber("cpt80", curve.Cpt(0.8));
                json.WriteStartArray("curve");
                foreach (var s in CurveShares)
                {
                    var p = curve.AtShare(s);
                    json.WriteStartObject();
                    json.WriteNumber("strong_share", p.StrongShare);
                    if (double.IsFinite(p.Threshold))
                    {
                        json.WriteNumber("threshold", p.Threshold);
                    }
                    else
                    {
                        json.WriteNull("threshold");
                    }

                    json.WriteNumber("quality", p.Quality);
                    json.WriteNumber("pgr", p.Pgr);
                    if (p.Cost is { } cost)
                    {
                        json.WriteNumber("cost", cost);
                    }

                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndObject();
            json.WriteString("trained_on", _model.Training.Label);
            json.WriteStartObject("calibrated");
            json.WriteNumber("threshold", _model.Threshold);
            json.WriteString("target", _model.Calibration.Target);
            json.WriteNumber("target_value", _model.Calibration.Value);
            json.WriteNumber("strong_share", share);
            json.WriteNumber("pgr", pgr);
            json.WriteEndObject();
            json.WriteStartObject("decision_latency_ms");
            json.WriteNumber("p50", LatencyP50);
            json.WriteNumber("p99", LatencyP99);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    // Nearest rank.
    private double Percentile(double q) => _latencies.Length == 0 ? 0 : _latencies[Math.Clamp((int)Math.Ceiling(q * _latencies.Length) - 1, 0, _latencies.Length - 1)];

    private static string F(double value) => value.ToString("0.000", CultureInfo.InvariantCulture);

    private static string P(double share) => share.ToString("0.0%", CultureInfo.InvariantCulture);
}
