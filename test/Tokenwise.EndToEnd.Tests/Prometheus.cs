using System.Globalization;

namespace Tokenwise.EndToEnd.Tests;

/// <summary>Reads Prometheus's text exposition format, as a scraper would.</summary>
internal static class Prometheus
{
    /// <summary>The sum of the samples of <paramref name="name"/> whose labels include every one of <paramref name="labels"/>.</summary>
    public static double Sum(string exposition, string name, params (string Name, string Value)[] labels)
    {
        var sum = 0.0;
        foreach (var line in exposition.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (line.StartsWith('#') || !line.StartsWith(name + "{", StringComparison.Ordinal))
            {
                continue;
            }

            var close = line.LastIndexOf('}');
            var labelText = line[(name.Length + 1)..close];
            if (labels.All(l => labelText.Contains($"{l.Name}=\"{l.Value}\"", StringComparison.Ordinal)))
            {
                sum += double.Parse(line[(close + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }

        return sum;
    }
}
