using System.Globalization;
using System.Text;
using Tokenwise.Data;

namespace Tokenwise.Routing;

/// <summary>
/// The router's CSV format: <c>prompt,weak_score,strong_score</c> and optionally
/// <c>weak_cost,strong_cost</c>, with a header; other columns are ignored.
/// </summary>
public static class RoutingDataFile
{
    public static List<RoutingRow> Read(string path)
    {
        var rows = new List<RoutingRow>();
        var line = 1;
        foreach (var record in Csv.ReadRecords(path))
        {
            line++;
            if (!record.TryGetValue("prompt", out var prompt) || !record.TryGetValue("weak_score", out var weak) || !record.TryGetValue("strong_score", out var strong))
            {
                throw new FormatException($"{path}: the columns prompt, weak_score and strong_score are required.");
            }

            rows.Add(new RoutingRow(
                prompt,
                Number(weak, path, line, "weak_score"),
                Number(strong, path, line, "strong_score"),
                OptionalNumber(record, "weak_cost", path, line),
                OptionalNumber(record, "strong_cost", path, line)));
        }

        return rows;
    }

    public static void Write(string path, IEnumerable<RoutingRow> rows)
    {
        var inv = CultureInfo.InvariantCulture;
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false));
        writer.NewLine = "\n";
        var list = rows.ToList();
        var costs = list.Count > 0 && list.All(r => r.WeakCost is not null && r.StrongCost is not null);
        writer.WriteLine(costs ? "prompt,weak_score,strong_score,weak_cost,strong_cost" : "prompt,weak_score,strong_score");
        foreach (var row in list)
        {
            var line = $"{Csv.Field(row.Prompt)},{row.WeakScore.ToString("R", inv)},{row.StrongScore.ToString("R", inv)}";
            writer.WriteLine(costs ? $"{line},{row.WeakCost!.Value.ToString("R", inv)},{row.StrongCost!.Value.ToString("R", inv)}" : line);
        }
    }

    private static double? OptionalNumber(IReadOnlyDictionary<string, string> record, string column, string path, int line) =>
        record.TryGetValue(column, out var text) && text.Length > 0 ? Number(text, path, line, column) : null;

    private static double Number(string text, string path, int line, string column) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value)
            ? value
            : throw new FormatException($"{path}, record {line}: {column} '{text}' is not a number.");
}
